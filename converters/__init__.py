"""Build Snapclass's MobileNetV2 backbone from a named weights source and export it to TF.js."""
