"""Pure integer formulas shared by every windowed layer (convolution, pooling, transposed convolution).

All arithmetic is on Python ints with ``//``; nothing here knows about layers, specs or YAML. Errors are
``ValueError`` with a sentence naming the argument; callers add the location.
"""

from __future__ import annotations

from typing import Sequence

from cnncalc.errors import brief


def per_axis(value, ndim: int, name: str) -> tuple[int, ...]:
    """Normalise an int or a per-axis list to a tuple of ``ndim`` ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * ndim
    if isinstance(value, (list, tuple)):
        if len(value) != ndim:
            raise ValueError(f"'{name}' has {len(value)} values, but the input has {ndim} spatial axes")
        return tuple(value)
    raise ValueError(f"'{name}' must be an int or a list of {ndim} ints, got {brief(value)}")


def effective_kernel(kernel: int, dilation: int) -> int:
    """Span of a dilated kernel: d·(k−1)+1."""
    return dilation * (kernel - 1) + 1


def same_padding(size: int, kernel_eff: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(size/stride); an odd total puts the extra element after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel_eff - size, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, sizes: Sequence[int], kernels_eff: Sequence[int],
                    strides: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Any accepted padding form → ((before, after), ...) per spatial axis.

    Forms: 'valid', 'same', 'full', an int, a per-axis list of ints (symmetric), or a per-axis list of
    [before, after] pairs.
    """
    ndim = len(sizes)
    if padding == "valid":
        return ((0, 0),) * ndim
    if padding == "same":
        return tuple(same_padding(n, k, s) for n, k, s in zip(sizes, kernels_eff, strides))
    if padding == "full":
        return tuple((k - 1, k - 1) for k in kernels_eff)
    if isinstance(padding, int) and not isinstance(padding, bool):
        return ((padding, padding),) * ndim
    if isinstance(padding, (list, tuple)):
        if len(padding) != ndim:
            raise ValueError(f"'padding' has {len(padding)} entries, but the input has {ndim} spatial axes")
        pairs = []
        for item in padding:
            if isinstance(item, (list, tuple)):
                pairs.append((item[0], item[1]))
            else:
                pairs.append((item, item))
        return tuple(pairs)
    raise ValueError(f"unknown padding {brief(padding)}")


def conv_output_size(size: int, kernel_eff: int, stride: int, pad_before: int, pad_after: int,
                     ceil_mode: bool = False) -> int:
    """Positions a window of span ``kernel_eff`` takes at ``stride`` over the padded input.

    Floor by default; ``ceil_mode`` follows PyTorch: round up, but drop a last window that would start
    in the right padding. In ceil mode a window larger than the padded input is allowed, as PyTorch allows
    it, while the result is at least 1.
    """
    padded = size + pad_before + pad_after
    if kernel_eff > padded and not ceil_mode:
        raise ValueError(f"the kernel spans {kernel_eff} but the padded input is only {padded}")
    if ceil_mode:
        out = -(-(padded - kernel_eff) // stride) + 1
        if (out - 1) * stride >= size + pad_before:
            out -= 1
        return out
    return (padded - kernel_eff) // stride + 1


def transposed_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                           dilation: int = 1, output_padding: int = 0) -> int:
    """(in−1)·s − (p_before + p_after) + d·(k−1) + output_padding + 1."""
    return (size - 1) * stride - pad_before - pad_after + dilation * (kernel - 1) + output_padding + 1


def product(values) -> int:
    result = 1
    for value in values:
        result *= value
    return result
