"""Recipes (build and train) for models that several pages share, served trained once through
:mod:`dlbook.artifacts`.

* :mod:`dlbook.pretrained.mnist_judge`: the MNIST classifier that scores every image generator
  of Part VI.
"""
