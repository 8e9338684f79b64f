"""The Training tab: pick a folder of colour photos, train a model on it, watch it learn, use it.

The trainer is a separate process started and watched by ``training.supervisor.Supervisor``
(no Qt there); this tab polls it from an asyncio task per running job on the qasync loop and
shows what it finds. Not an asyncio subprocess reading the stdout pipe, because "keep it
running" when the window closes must leave a trainer that outlives the window: a pipe whose
reader has gone kills the trainer at its next event (EPIPE), and asyncio's subprocess transport
kills its child when it is closed.

For the main window::

    tab = TrainingTab(state)                 # runs in platformdirs' user data dir /runs
    tabs.addTab(tab, "Training")
    # in closeEvent, before accepting:
    if not tab.confirm_close():              # asks "stop or keep running?" when a job runs
        event.ignore(); return
    tab.shutdown()                           # stops following; never kills a job

The tab needs the qasync loop to be running (``chroma_desk.ui.app`` runs one)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.models import library
from chroma_desk.ui import aio
from chroma_desk.ui.state import AppState
from chroma_desk.ui.training.form import NewRunForm
from chroma_desk.ui.training.run_view import RunView
from chroma_desk.ui.training.widgets import STATUS_STYLE, STYLE, ElidedLabel, home_short, std_icon
from training import rundir
from training.install import install_model
from training.supervisor import Job, LaunchError, Supervisor

POLL_SECONDS = 0.25


class RunItemDelegate(QStyledItemDelegate):
    """Two lines per run: a status dot and the name, then what it is doing."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:  # noqa: N802
        return QSize(200, 50)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = option.palette
        rect = QRectF(option.rect).adjusted(4, 2, -4, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hover:
            bg = QColor(pal.color(QPalette.ColorRole.Highlight))
            bg.setAlpha(60 if selected else 22)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(bg)
            p.drawRoundedRect(rect, 6, 6)
        colour = QColor(index.data(Qt.ItemDataRole.UserRole + 1) or "#8b93a1")
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QPointF(rect.x() + 12, rect.y() + 16), 4, 4)
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        p.setFont(name_font)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        text_rect = rect.adjusted(24, 5, -6, 0)
        name = p.fontMetrics().elidedText(
            index.data(Qt.ItemDataRole.DisplayRole),
            Qt.TextElideMode.ElideRight,
            int(text_rect.width()),
        )
        p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        sub_font = QFont(option.font)
        sub_font.setPointSizeF(max(7.0, option.font.pointSizeF() - 1))
        p.setFont(sub_font)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        sub = p.fontMetrics().elidedText(
            index.data(Qt.ItemDataRole.UserRole + 2) or "",
            Qt.TextElideMode.ElideRight,
            int(text_rect.width()),
        )
        p.drawText(
            text_rect.adjusted(0, 20, 0, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            sub,
        )
        p.restore()


class TrainingTab(QWidget):
    """Train on a folder of photos in a separate process; watch, stop, resume and use the model.

    ``runChanged(path)`` fires when a run's events or state change; ``jobFinished(path, status)``
    when a job this tab follows has ended (status: finished, stopped, failed, interrupted).
    """

    runChanged = Signal(Path)
    jobFinished = Signal(Path, str)

    def __init__(
        self, state: AppState, runs_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.runs_dir = Path(runs_dir) if runs_dir is not None else rundir.default_runs_dir()
        self.supervisor = Supervisor(self.runs_dir)
        self._tasks: set[asyncio.Task] = set()
        self._following: set[Path] = set()
        self._closed = False
        self.setStyleSheet(STYLE)

        # sidebar: runs
        side = QWidget()
        side.setMinimumWidth(200)
        side.setMaximumWidth(320)
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(12, 14, 6, 12)
        side_lay.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("Runs")
        title.setObjectName("cardTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.new_button = QPushButton("New run")
        self.new_button.setIcon(std_icon(self, "add", QStyle.StandardPixmap.SP_FileDialogNewFolder))
        self.new_button.clicked.connect(self.show_form)
        head.addWidget(self.new_button)
        side_lay.addLayout(head)
        self.run_list = QListWidget()
        self.run_list.setObjectName("runList")
        self.run_list.setItemDelegate(RunItemDelegate(self.run_list))
        self.run_list.setMouseTracking(True)
        self.run_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.run_list.currentItemChanged.connect(self._run_selected)
        side_lay.addWidget(self.run_list, 1)
        self.runs_label = ElidedLabel(f"Saved in {home_short(self.runs_dir)}")
        self.runs_label.setObjectName("muted")
        self.runs_label.setToolTip(str(self.runs_dir))
        font = self.runs_label.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        self.runs_label.setFont(font)
        side_lay.addWidget(self.runs_label)

        self.form = NewRunForm(self.runs_dir, self.spawn)
        self.form.startRequested.connect(self.start)
        self.view = RunView()
        self.view.stopRequested.connect(lambda: self.stop())
        self.view.resumeRequested.connect(lambda: self.resume())
        self.view.useRequested.connect(lambda: self.use_model())
        self.stack = QStackedWidget()
        self.stack.addWidget(self.form)
        self.stack.addWidget(self.view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 1000])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self._tick)
        self._tick_timer.start()
        self._rescan_timer = QTimer(self)
        self._rescan_timer.setInterval(10_000)
        self._rescan_timer.timeout.connect(self.refresh_runs)
        self._rescan_timer.start()

        self.refresh_runs()
        if self.run_list.count():
            self.run_list.setCurrentRow(0)
        else:
            self.show_form()

    @property
    def sessions(self) -> dict[Path, Job]:
        """Every run folder the tab knows, by path (the supervisor's jobs)."""
        return self.supervisor.jobs

    # -- tasks --------------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coro`` on the qasync loop (``aio.spawn``); ``shutdown`` cancels it."""
        task = aio.spawn(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- runs ---------------------------------------------------------------------------------

    def refresh_runs(self) -> None:
        """Find run folders (new ones, and jobs started or resumed elsewhere meanwhile)."""
        if self._closed:
            return
        for job in self.supervisor.find():
            self._follow_later(job)
        self._fill_list()

    def _follow_later(self, job: Job) -> None:
        if job.path not in self._following:
            self._following.add(job.path)
            self.spawn(self._follow(job))

    def _fill_list(self) -> None:
        current = self.current_session()
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for job in self.supervisor.ordered():
            item = QListWidgetItem(job.name)
            item.setData(Qt.ItemDataRole.UserRole, str(job.path))
            self._decorate(item, job)
            self.run_list.addItem(item)
            if current is job:
                self.run_list.setCurrentItem(item)
        self.run_list.blockSignals(False)

    def _decorate(self, item: QListWidgetItem, job: Job) -> None:
        colour, label = STATUS_STYLE.get(job.status, STATUS_STYLE["new"])
        h = job.history
        sub = label.lower()
        if h.step:
            sub += f" · step {h.step:,}"
        kind = h.config.get("kind")
        if kind:
            sub += f" · {({'classification': 'cls', 'regression': 'l1'}).get(kind, kind)}"
        item.setData(Qt.ItemDataRole.UserRole + 1, colour)
        item.setData(Qt.ItemDataRole.UserRole + 2, sub)
        item.setToolTip(f"{job.path}\n{label}")

    def _update_item(self, job: Job) -> None:
        for i in range(self.run_list.count()):
            item = self.run_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(job.path):
                item.setText(job.name)
                self._decorate(item, job)
                return
        self._fill_list()

    def _run_selected(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        job = self.sessions.get(Path(item.data(Qt.ItemDataRole.UserRole)))
        if job is not None:
            self.stack.setCurrentWidget(self.view)
            self.view.show_session(job)

    def select_run(self, path: Path) -> Job:
        job = self.sessions[Path(path)]
        for i in range(self.run_list.count()):
            if self.run_list.item(i).data(Qt.ItemDataRole.UserRole) == str(job.path):
                self.run_list.setCurrentRow(i)
        self.stack.setCurrentWidget(self.view)
        self.view.show_session(job)
        return job

    def current_session(self) -> Job | None:
        if self.stack.currentWidget() is not self.view:
            return None
        return self.view.session

    def show_form(self) -> None:
        self.run_list.clearSelection()
        self.run_list.setCurrentItem(None)
        self.form._suggest_name()
        self.stack.setCurrentWidget(self.form)

    # -- jobs ---------------------------------------------------------------------------------

    def start(self) -> Path | None:
        """Start a run with the form's settings (when they pass its checks); returns its folder."""
        try:
            problems = self.form.problems()
            options = self.form.options()
        except ValueError as exc:
            self.form.hint.setText(str(exc))
            return None
        if problems:
            self.form._update_start()
            return None
        self.form._name_edited = False
        try:
            job = self.supervisor.start(options)
        except LaunchError as exc:
            if exc.job is not None:
                self._fill_list()
                self.select_run(exc.job.path)
            return None
        self._started(job)
        self._fill_list()
        self.select_run(job.path)
        return job.path

    def resume(self, job: Job | None = None) -> bool:
        """Continue the run with ``--resume`` (a finished run trains as long again)."""
        job = job or self.current_session()
        if job is None or job.running:
            return False
        try:
            self.supervisor.resume(job)
        except LaunchError as exc:
            self.view.banner.show_message(str(exc))
            self.view.show_session(job)
            return False
        self._started(job)
        self.view.show_session(job)
        return True

    def _started(self, job: Job) -> None:
        self.view.banner.hide()
        self._follow_later(job)
        self.runChanged.emit(job.path)

    def stop(self, job: Job | None = None, force: bool | None = None) -> bool:
        """Ask the job to save a checkpoint and stop; a second call offers to kill it."""
        job = job or self.current_session()
        if job is None or not job.running or job.pid is None:
            return False
        if force is None:
            force = job.stopping and self._confirm_force(job)
            if job.stopping and not force:
                return False
        try:
            stopped = self.supervisor.stop(job, force=force)
        except PermissionError as exc:
            self.view.banner.show_message(f"Cannot stop the job (pid {job.pid}): {exc}")
            return False
        if stopped:
            self._changed(job)
        return stopped

    def _confirm_force(self, job: Job) -> bool:
        answer = QMessageBox.question(
            self,
            "Force stop",
            f"“{job.name}” is still saving its checkpoint. Kill it now? "
            "Training since the last checkpoint is lost.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def use_model(self, job: Job | None = None) -> Path | None:
        """Copy the run's latest model into the user's models; the picker and Photos use it."""
        job = job or self.current_session()
        if job is None:
            return None
        try:
            path = install_model(job.path, library.user_dir(), job.name)
        except Exception as exc:  # noqa: BLE001 - shown, not raised
            self.view.banner.show_message(f"Could not add the model: {exc}")
            return None
        step = job.history.checkpoint_step
        self.state.modelAdded.emit(path)
        self.state.set_model_path(path)
        at = f" (step {step:,})" if step is not None else ""
        self.view.banner.show_message(
            f"Added “{job.name}”{at} to your models as {path.name}. "
            "The Photos tab now colourizes with it; compare it with the model you had before.",
            "ok",
        )
        return path

    # -- following a job ----------------------------------------------------------------------

    async def _follow(self, job: Job) -> None:
        try:
            while not self._closed:
                status = job.status
                poll = self.supervisor.poll(job)
                if poll.ended:
                    self._ended(job)
                    break
                if poll.events or job.status != status:
                    self._changed(job)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            self._following.discard(job.path)

    def _ended(self, job: Job) -> None:
        self._changed(job)
        if self.current_session() is job:
            self.view.show_session(job)
        self.jobFinished.emit(job.path, job.status)

    def _changed(self, job: Job) -> None:
        self._update_item(job)
        if self.current_session() is job:
            self.view.refresh()
            self.view.schedule_redraw()
        self.runChanged.emit(job.path)

    def _tick(self) -> None:
        self.view.tick()

    # -- closing ------------------------------------------------------------------------------

    def running_jobs(self) -> list[Job]:
        """Jobs this window started that still run."""
        return self.supervisor.launched()

    def close_requested(self) -> bool:
        """Call when the window is about to close. With a job running, asks whether to stop it
        (it saves a checkpoint first) or keep it running in the background (the tab finds it
        again next time). Returns False when the person cancels the close."""
        jobs = self.running_jobs()
        if not jobs:
            return True
        answer = self._ask_on_close(jobs)
        if answer == "cancel":
            return False
        if answer == "stop":
            for job in jobs:
                with contextlib.suppress(OSError):
                    self.supervisor.stop(job)
        return True

    confirm_close = close_requested  # the name the main window looks for

    def _ask_on_close(self, jobs: list[Job]) -> str:
        """ "stop", "keep" or "cancel"."""
        names = ", ".join(f"“{j.name}”" for j in jobs)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Training is running")
        box.setText(f"Training {names} is still running.")
        box.setInformativeText(
            "Stop it now (it saves a checkpoint you can resume), or keep it running in the "
            "background? Chroma Desk shows its progress again when you reopen it."
        )
        stop = box.addButton("Stop training", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep running", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return "stop" if clicked is stop else "keep" if clicked is keep else "cancel"

    def shutdown(self) -> None:
        """Stop following jobs and timers (the jobs themselves keep running)."""
        self._closed = True
        self._tick_timer.stop()
        self._rescan_timer.stop()
        for task in list(self._tasks):
            task.cancel()
