"""Recipes (build and train) for models that several pages share, served trained once through
:mod:`dlbook.artifacts`.

* :mod:`dlbook.pretrained.small_convnet`: a small Keras convnet, the transfer-learning source
  (MNIST digits 0 to 4) and the classifiers whose decisions Part I explains.
* :mod:`dlbook.pretrained.bert_encoder`: the small BERT of Part V, pre-trained by masked language
  modelling on the movie reviews, and the review classifiers fine-tuned from it.
* :mod:`dlbook.pretrained.mnist_judge`: the MNIST classifier that scores every image generator
  of Part VI;
* :mod:`dlbook.pretrained.mnist_autoencoder`: the MNIST autoencoder of the VAE page, whose
  codes the diffusion page generates.
"""
