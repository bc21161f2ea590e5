"""``dlbook.nn`` exports what each of its modules lists in ``__all__``, and nothing clashes."""

import importlib
import pkgutil

import dlbook.nn


def _public_modules():
    for info in pkgutil.iter_modules(dlbook.nn.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"dlbook.nn.{info.name}")


def test_every_module_is_exported_by_the_package():
    exported = set(dlbook.nn.__all__)
    seen: dict[str, str] = {}
    for module in _public_modules():
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        for name in module.__all__:
            assert name not in seen, f"{name} is exported by {seen[name]} and {module.__name__}"
            seen[name] = module.__name__
            assert name in exported, f"{module.__name__}.{name} is not in dlbook.nn.__all__"
            assert getattr(dlbook.nn, name) is getattr(module, name)
    assert exported == set(seen)
