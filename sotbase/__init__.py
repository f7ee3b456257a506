"""The common base under both packages: what `toolkit` (evaluation of anyone's results) and `pysot_ss` (the
tracker) share, so that neither reaches into the other's internals.

- `sotbase.errors`: `UserError`, the root of every error caused by user input (printed by the tools as one line,
  without a traceback); each package derives its own root from it (`toolkit.utils.errors.ToolkitError`,
  `pysot_ss.errors.PysotSSError`). `FileFormatError` (``file:line: reason``) is shared by both.
- `sotbase.registry`: the name -> builder `Registry`.
- `sotbase.atomic`: atomic file writes (temp file beside the target, then rename).
- `sotbase.images`: image extensions and where a sequence keeps its frames.
- `sotbase.system`: the cores this process may use.
- `sotbase.validate`: what a tracker may be given (frames, init boxes, frame files), checked by pysot_ss's API and
  the toolkit's protocols alike.

It imports neither package.
"""
