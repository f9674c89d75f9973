"""A KV cache with room reserved for the tokens still to come, so a decoding step does not copy it.

transformers' `DynamicCache` grows each layer's keys and values by concatenation: every decoding step
allocates the whole cache anew and copies it, 60 tensors per step for a 30-layer model (with this cache
the batch path took 6.5% and 12.3% less time in two pairs of runs: docs/throughput.md, "A KV cache with room
reserved"). Here each layer keeps its keys and values in a buffer with room for `room` more positions:
a step writes its token in place, and the model attends over a view of the filled part. The buffer is
copied when a prompt is forked for its candidates, when rows leave the batch, and if it runs out of
room (grown by `room` again). The keys and values the model sees are the same numbers.
"""

from __future__ import annotations

import torch
from transformers.cache_utils import Cache, DynamicLayer


def _refused(name: str):
    def method(self, *args, **kwargs):
        raise NotImplementedError(f"ReservedLayer.{name}: promogen's decoding never needs it")

    return method


class ReservedLayer(DynamicLayer):
    """One layer's keys and values, (rows, heads, positions, head dim), in a buffer with spare positions.

    What `DynamicLayer` does to its `keys`/`values` alone (cropping, beam reordering, offloading) would
    leave the buffer stale here, so it is refused: `model.generate` keeps its own `DynamicCache`."""

    is_croppable = False
    crop, reorder_cache, offload, prefetch = map(_refused, ("crop", "reorder_cache", "offload", "prefetch"))

    def __init__(self, room: int):
        super().__init__()
        self.room = room
        self.length = 0  # positions filled

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        new = key_states.shape[-2]
        if not self.is_initialized or self.length + new > self.key_buffer.shape[-2]:
            self._grow(key_states, value_states, self.length + new + self.room)
        self.key_buffer[:, :, self.length : self.length + new] = key_states
        self.value_buffer[:, :, self.length : self.length + new] = value_states
        self.length += new
        return self._view()

    def _grow(self, key_states: torch.Tensor, value_states: torch.Tensor, capacity: int) -> None:
        rows, heads, _, _ = key_states.shape
        keys = key_states.new_empty(rows, heads, capacity, key_states.shape[-1])
        values = value_states.new_empty(rows, heads, capacity, value_states.shape[-1])
        if self.is_initialized:
            keys[:, :, : self.length] = self.key_buffer[:, :, : self.length]
            values[:, :, : self.length] = self.value_buffer[:, :, : self.length]
        self.key_buffer, self.value_buffer, self.is_initialized = keys, values, True

    def _view(self) -> tuple[torch.Tensor, torch.Tensor]:
        # `keys`/`values` are what transformers' own code reads from a layer: the filled positions.
        self.keys = self.key_buffer[:, :, : self.length]
        self.values = self.value_buffer[:, :, : self.length]
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def reset(self) -> None:
        self.key_buffer = self.value_buffer = self.keys = self.values = None
        self.length, self.is_initialized = 0, False

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self.length:
            self.key_buffer = self.key_buffer.repeat_interleave(repeats, dim=0)
            self.value_buffer = self.value_buffer.repeat_interleave(repeats, dim=0)
            self._view()

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.length:
            self.key_buffer, self.value_buffer = self.key_buffer[indices], self.value_buffer[indices]
            self._view()


def reserved_cache(config, room: int) -> Cache:
    """A cache for `config`'s decoder layers, each reserving `room` positions beyond what it holds."""
    layers = config.get_text_config(decoder=True).num_hidden_layers
    return Cache(layers=[ReservedLayer(room) for _ in range(layers)])
