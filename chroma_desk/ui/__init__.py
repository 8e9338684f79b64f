"""Everything PySide6: the window, its tabs and the workers. The only package that imports Qt."""
