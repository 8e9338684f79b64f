"""Reading and writing photos (and, in ``video``, clips)."""
