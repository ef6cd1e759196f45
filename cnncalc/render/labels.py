"""The conventions, as short labels every output format shows. Written out in full in docs/conventions.md."""

PARAMS = "parameters: learnable tensors, as PyTorch's parameters() counts them"
STATE = "state: non-learned tensors (BatchNorm running mean and variance); Keras lists them as non-trainable parameters"
MACS = "MACs: multiply-accumulates of the layers with weights (convolutions of every kind, dense, NetVLAD), bias excluded (torchvision's 'GFLOPS')"
FLOPS = "FLOPs: 2·MACs + bias adds + element-wise work (activations, BN, pooling, add), per docs/conventions.md"
RF = "receptive field per spatial axis: size, effective stride (jump), start offset, in input positions"
ACTIVATIONS = "activation memory: every layer's output tensor (input excluded), no in-place reuse, × batch"
PARAM_MEMORY = "parameter memory: (parameters + state) × dtype size"

CONVENTIONS = {
    "params": PARAMS,
    "state": STATE,
    "macs": MACS,
    "flops": FLOPS,
    "receptive_field": RF,
    "activation_memory": ACTIVATIONS,
    "param_memory": PARAM_MEMORY,
}
