"""The conventions, as short labels every output format shows. Written out in full in docs/conventions.md."""

PARAMS = "parameters: learnable tensors, as PyTorch's parameters() counts them"
STATE = "state: non-learned tensors (BatchNorm running mean and variance); Keras lists them as non-trainable parameters"
MACS = ("MACs: multiply-accumulates of the layers with weights (convolutions of every kind, dense, NetVLAD) and of "
        "products of two activations (matmul: attention), bias excluded (torchvision's 'GFLOPS')")
FLOPS = "FLOPs: 2·MACs + bias adds + element-wise work (activations, BN, pooling, add), per docs/conventions.md"
RF = "receptive field per spatial axis: size, effective stride (jump), start offset, in input positions"
ACTIVATIONS = "activation memory: every layer's output tensor (input excluded), no in-place reuse, × batch"
PARAM_MEMORY = "parameter memory: (parameters + state) × dtype size"
PEAK_MEMORY = ("peak memory: the most bytes alive at one moment of inference, a tensor alive from its layer to its "
               "last reader, inputs and output together while a layer runs; in place with --in-place or where the runtime "
               "runs a layer in place")
TRAINING_MEMORY = ("training memory: fp32 weights (+ a 16-bit copy with mixed precision), gradients, optimizer "
                   "state and what each layer keeps for backward, each storage once, × batch")
RAM = ("RAM (under a runtime): the activations as the runtime holds them (its arena, or the peak) + its int8 "
       "kernels' scratch buffers")
FLASH = ("flash (under a runtime): parameters and state at the dtype; at int8 + a 32-bit scale and bias per output "
         "channel of each convolution and dense layer")
LATENCY = ("latency: roofline estimate, per layer max(FLOPs / peak, bytes moved / bandwidth), summed; a lower "
           "bound, not a measurement")

CONVENTIONS = {
    "params": PARAMS,
    "state": STATE,
    "macs": MACS,
    "flops": FLOPS,
    "receptive_field": RF,
    "activation_memory": ACTIVATIONS,
    "param_memory": PARAM_MEMORY,
    "peak_memory": PEAK_MEMORY,
    "training_memory": TRAINING_MEMORY,
    "ram": RAM,
    "flash": FLASH,
    "latency": LATENCY,
}
