"""The root of pysot-ss's user-facing errors (below `sotbase.errors.UserError`, shared with `toolkit`).

Every error pysot-ss raises about user input derives from `PysotSSError`: the tools print it as one line and exit
with status 2. The more specific classes live beside the code that raises them (`CheckpointError` in
`utils.checkpoint`, `DataSourceError` in `datasets.sources.base`, `TesterError` in `core.tester`, `DemoError` in
`apps.demo`, `TrackerUnavailable` in `tracker.opencv`); `ConfigError` is here because every layer reads the config.
"""
from sotbase.errors import UserError

__all__ = ["PysotSSError", "ConfigError", "DeviceError"]


class PysotSSError(UserError):
    """pysot-ss's root: a problem with a config, snapshot, data folder or argument, named in the message."""


class ConfigError(PysotSSError, ValueError):
    """A config file, key or value that cannot be used; the message names the file or the key."""


class DeviceError(PysotSSError, RuntimeError):
    """The device asked for (DEVICE / --device) is not a device name, or not present on this machine."""
