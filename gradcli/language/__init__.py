"""The language: .grad and pasted Python/TensorFlow text into graph values."""
