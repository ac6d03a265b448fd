"""Face finding, landmarks and person segmentation (MediaPipe models shipped inside the wheel, offline)."""
