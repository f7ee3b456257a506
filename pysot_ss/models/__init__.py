from pysot_ss.models.siamese import ModelBuilder, SiameseNet, build_model, init_weights  # noqa: F401
