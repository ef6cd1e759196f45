"""The scratch buffers of int8 convolution kernels, by kernel library: the formulas the libraries' own code
uses to size them (each cited beside it), for the layer types to call from ``Layer.scratch``. Bytes, exact
ints; 2-D windows only (the libraries have no other), so a layer of another rank needs none here.

* ``cmsis-nn``: Arm's CMSIS-NN, the optimised kernels of TF-Lite Micro on Cortex-M with the DSP extension
  (CMSIS-NN V.16, as tflite-micro vendors it: third_party/cmsis_nn/Source/ConvolutionFunctions/
  arm_convolve_get_buffer_sizes_s8.c, arm_depthwise_conv_get_buffer_sizes_s8.c, arm_convolve_wrapper_s8.c).
  TF-Lite Micro asks its arena for the buffer per operator (RequestScratchBufferInArena), alive while the
  operator runs.
* ``tinyengine``: MIT HAN Lab's TinyEngine code generator (code_generator/operators/conv2d.py and
  depthwiseConv2d.py, get_sbuf_size and get_kbuf_size), whose buffers are static, each sized for the layer
  that needs the most (code_generator/GeneralMemoryScheduler.py, _enlargeBuffer).
"""

from __future__ import annotations

CMSIS_NN, TINYENGINE = "cmsis-nn", "tinyengine"
KERNELS = (CMSIS_NN, TINYENGINE)
IM2COL, KERNEL, CHANNEL = "im2col", "kernel", "channel"


def _align4(n: int) -> int:
    return -(-n // 4) * 4


def convolution(kernels: str, c_in: int, c_out: int, kernel: tuple, pads: tuple, stride: tuple,
                dilation: tuple) -> dict:
    """A dense (groups = 1) 2-D convolution of ``c_in`` → ``c_out`` channels."""
    if len(kernel) != 2:
        return {}
    kh, kw = kernel
    pointwise = kernel == (1, 1) and all(a == b == 0 for a, b in pads) and dilation == (1, 1)
    if kernels == CMSIS_NN:
        # arm_convolve_wrapper_s8: a 1×1 kernel without padding or dilation runs arm_convolve_1x1_s8(_fast),
        # which needs no buffer; every other (arm_convolve_s8, and arm_convolve_1_x_n_s8 on a one-row input,
        # sized the same) two im2col columns of int16: 2 · align4(kh·kw·C_in) · 2 bytes
        return {} if pointwise else {IM2COL: 2 * _align4(kh * kw * c_in) * 2}
    if kernels == TINYENGINE:
        # conv2d.py: get_sbuf_size = kernel_h · kernel_w · input_c · 2 · 2 ("2 col and 16 bit"), any kernel;
        # get_kbuf_size = the weights as int16 (2 bytes each) unless the kernel is 1×1
        found = {IM2COL: kh * kw * c_in * 2 * 2}
        if kh != 1:
            found[KERNEL] = kh * kw * c_in * c_out * 2
        return found
    return {}


def depthwise(kernels: str, channels: int, multiplier: int, spatial: tuple, kernel: tuple, pads: tuple,
              dilation: tuple, in_place: bool) -> dict:
    """A depthwise 2-D convolution of ``channels`` input channels on an input of ``spatial`` sizes."""
    if len(kernel) != 2:
        return {}
    kh, kw = kernel
    if kernels == CMSIS_NN:
        # arm_depthwise_conv_wrapper_s8_get_buffer_size (DSP): only a multiplier of 1 without dilation takes
        # the optimised kernels; a 3×3 one with padding ≤ 1 runs arm_depthwise_conv_3x3_s8 (no buffer), the
        # others arm_depthwise_conv_s8_opt: C_in · kw · kh int16
        if multiplier != 1 or dilation != (1, 1):
            return {}
        if kernel == (3, 3) and all(max(a, b) <= 1 for a, b in pads):
            return {}
        return {IM2COL: channels * kh * kw * 2}
    if kernels == TINYENGINE:
        # depthwiseConv2d.py get_sbuf_size: in place, one channel of the padded input at 16 bits,
        # 2 · (H + 2p) · (W + 2p); else 2 · kernel_h · kernel_w · input_c
        if in_place:
            (h, w), ((top, bottom), (left, right)) = spatial, pads
            return {CHANNEL: 2 * (h + top + bottom) * (w + left + right)}
        return {IM2COL: 2 * kh * kw * channels}
    return {}
