"""Losses and loss modifiers; importing this package registers them."""
from pysot_ss.losses.balanced import BalancedLogisticLoss, balanced_weights, make_labels  # noqa: F401
from pysot_ss.losses.objective import LossModifier, Objective, StepState  # noqa: F401
from pysot_ss.losses import adversarial_mask, anti_clutter, distill  # noqa: F401,E402  (register LOSS_MODIFIERS)
