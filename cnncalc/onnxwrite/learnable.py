"""ONNX writers of class_token and position_embedding (cnncalc/layers/learnable.py): a Concat of the tokens
before the sequence, an Add of the embedding, read back as the same layers."""

from __future__ import annotations

from cnncalc.onnxexport import writes


@writes("class_token")
def class_token(b, node, in_shapes, out_shape, weights):
    channels = in_shapes[0][0]
    tokens = b.constant(f"{node.name}.weight", weights["weight"].reshape(1, channels, node.layer.tokens))
    b.op("Concat", [tokens, *b.inputs(node)], node.name, axis=2)


@writes("position_embedding")
def position_embedding(b, node, in_shapes, out_shape, weights):
    embedding = b.constant(f"{node.name}.weight", weights["weight"].reshape(1, *in_shapes[0]))
    b.op("Add", [*b.inputs(node), embedding], node.name)
