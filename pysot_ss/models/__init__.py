from pysot_ss.models.siamese import SiameseNet, build_model, init_weights  # noqa: F401
