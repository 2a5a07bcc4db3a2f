"""Background tasks with progress: ``enqueue()`` a registered function, follow its row."""
