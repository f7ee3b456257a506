from pysot_ss.models import backbone, head  # noqa: F401  (importing them registers the backbones and heads)
from pysot_ss.models.siamese import SiameseNet, build_model, init_weights  # noqa: F401
