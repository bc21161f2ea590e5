"""Recipes (build + train) of models that several pages share, served through
``dlbook.artifacts`` so that each is trained once per build and every page can still run
alone."""
