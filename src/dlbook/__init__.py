"""dlbook: the shared, tested code behind the *dlbook* deep-learning textbook.

A chapter starts with one call::

    import dlbook
    report = dlbook.setup()          # seeds, plot style, environment report

and imports what else it needs from the submodules (``dlbook.data``, ``dlbook.nn``,
``dlbook.plot``, ``dlbook.train``). The package never imports from the book.
"""

from dlbook.env import EnvironmentReport, environment_report, seed_everything, setup

__version__ = "0.1.0"

__all__ = ["EnvironmentReport", "__version__", "environment_report", "seed_everything", "setup"]
