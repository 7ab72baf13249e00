"""Files the package ships, so that a chapter runs where only the package is installed (Colab, Kaggle).

In a checkout these are links to ``data/online_shoppers_intention.csv`` and ``requirements.txt``; a built wheel
holds copies. Read them through :mod:`helpers.paths`.
"""
