"""Registries of pysot-ss components, chosen by name in the yacs config.

Adding a component = one new file + one decorator, e.g.::

    from pysot_ss.utils.registry import BACKBONES

    @BACKBONES.register("my_net")
    class MyNet(nn.Module): ...

The `Registry` class is shared with `toolkit` (which must not import `pysot_ss`).
"""
from sotbase.registry import Registry, RegistryError

BACKBONES = Registry("backbone")          # feature extractors: name -> nn.Module class
HEADS = Registry("head")                  # template x search -> response map
LOSSES = Registry("loss")                 # base response losses (balanced_logistic)
LOSS_MODIFIERS = Registry("loss modifier")  # anti_clutter, adversarial_mask, ...
SOURCES = Registry("data source")         # where training images come from (image_folder, vid_single_frame, ...)
SAMPLERS = Registry("sampler")            # how training pairs are drawn (single_image, hard_negative, video_pairs)
CROP_GEOMETRIES = Registry("crop geometry")  # pseudo box -> crop centre and context size (centred, authors)
TRACKERS = Registry("tracker")            # inference: siamfc, opencv_kcf, ...
FINETUNE_RECIPES = Registry("fine-tuning recipe")  # one-image fine-tuning before tracking (box, authors)

__all__ = ["Registry", "RegistryError", "BACKBONES", "HEADS", "LOSSES", "LOSS_MODIFIERS",
           "SOURCES", "SAMPLERS", "CROP_GEOMETRIES", "TRACKERS", "FINETUNE_RECIPES"]
