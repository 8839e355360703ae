// Package torchckpt reads PyTorch checkpoints (pytorch_model.bin: the zip +
// pickle format of torch.save since PyTorch 1.6, and the older format of
// pickles followed by raw storages) without running any code
// from them: a small pickle machine implements only the opcodes and the few
// globals a state dict of tensors needs (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 and _rebuild_parameter, the torch.*Storage
// types), as torch.load(weights_only=True) does. Any other global is refused
// with an error naming it. It imports only models/safetensors (for the
// tensor type it hands back).
package torchckpt
