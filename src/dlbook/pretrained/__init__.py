"""Recipes (build and train) for models that several pages share, served trained once through
:mod:`dlbook.artifacts`.

* :mod:`dlbook.pretrained.small_convnet`: a small Keras convnet, the transfer-learning source
  (MNIST digits 0 to 4) and the classifiers whose decisions Part I explains.
"""
