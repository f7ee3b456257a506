"""Training-image sources (registered in SOURCES): image_folder, list_file, vid_single_frame,
got10k_single_frame and the labelled video_pairs. See base.py for the interface."""
from .base import (CLIP_MODES, IMAGE_EXTS, DataSourceError, ImageListSource, ImageSource, build_sources, clip_groups,
                   list_images)
from .folders import ImageFolderSource, ListFileSource
from .labelled import Track, VideoPairsSource, read_boxes_file
from .reader import BadImage, BadImageLog, BadImageWarning, ImageReader, image_size
from .videos import FrameFolderSource, FrameSet, GOT10kSingleFrameSource, VIDSingleFrameSource

__all__ = ["IMAGE_EXTS", "CLIP_MODES", "clip_groups", "DataSourceError", "ImageSource", "ImageListSource",
           "build_sources", "list_images", "ImageFolderSource", "ListFileSource", "Track", "VideoPairsSource",
           "read_boxes_file", "BadImage", "BadImageLog", "BadImageWarning", "ImageReader", "image_size",
           "FrameFolderSource", "FrameSet", "GOT10kSingleFrameSource", "VIDSingleFrameSource"]
