"""A small name -> builder registry (detectron2 style).

    BACKBONES = Registry("backbone")

    @BACKBONES.register("alexnet")
    class AlexNet(nn.Module): ...

    net = BACKBONES.build("alexnet", **kwargs)

Both packages build on it: `toolkit` must not import `pysot_ss`. The registries of pysot-ss components live in
`pysot_ss.utils.registry`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, Optional

from sotbase.errors import UserError


class RegistryError(UserError, KeyError):
    """Unknown or duplicate name; the message lists what is registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Registry:
    def __init__(self, name: str):
        self.name = name
        self._items: Dict[str, Callable[..., Any]] = {}

    def register(self, name: Optional[str] = None, obj: Optional[Callable[..., Any]] = None):
        """Register `obj` under `name` (default: its ``__name__``); usable as a decorator."""

        def _add(o: Callable[..., Any]) -> Callable[..., Any]:
            key = name if name is not None else o.__name__
            if key in self._items and self._items[key] is not o:
                raise RegistryError(f"{self.name} registry: name {key!r} is already registered "
                                    f"(to {self._items[key]!r})")
            self._items[key] = o
            return o

        if obj is not None:
            return _add(obj)
        return _add

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "(none)"
            raise RegistryError(f"unknown {self.name} {name!r}; registered {self.name}s: {known}") from None

    def build(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Look `name` up and call its builder with the remaining arguments."""
        return self.get(name)(*args, **kwargs)

    def names(self) -> list:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.name!r}, {self.names()})"
