"""Losses and loss modifiers; importing this package registers them."""
from pysot_ss.losses.balanced import BalancedLogisticLoss, balanced_weights, make_labels  # noqa: F401
