"""A text's numbers must not depend on what it is batched with.

Two things made them depend on it in int8: one activation scale per batch (fixed by
`quantization.RowInt8Linear`, a scale per token), and float noise in the only float matrix
products left inside the encoder, attention: a padded batch multiplies [T x T] blocks whose T
is the batch's longest text, so a text's sums are taken in another order (±1e-6), and a later
int8 rounding turns that into ±0.01 of score. Attention here runs per text over its own
length, as it runs when the text is alone; the small fp32 head runs row by row for the same
reason. Integer products are exact, LayerNorm and GELU work per row, so a text gets the same
bits alone or in any batch (a test checks it). Cost: one attention call per text and layer.
"""

from __future__ import annotations

from typing import Any

import torch  # this module is imported only where a model loads
import torch.nn.functional as F

ATTENTION_NAME = "svetofor_per_text"


def _key_lengths(mask: torch.Tensor | None, batch: int, width: int) -> list[int]:
    """Each text's real length from the encoder's padding mask (right padding)."""
    if mask is None:
        return [width] * batch
    keys = mask[:, 0, 0, :]  # a padding mask is the same for every query row
    valid = keys if keys.dtype == torch.bool else keys == 0
    return [int(n) for n in valid.sum(dim=-1).tolist()]


def per_text_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Scaled dot-product attention for each text over its own tokens only.

    Shapes as transformers' attention functions: query/key/value [B, heads, T, d] in,
    [B, T, heads, d] out; padded positions get zeros (they only feed other padded positions;
    the classifier reads the first token).
    """
    batch, _, width, _ = query.shape
    out = query.new_zeros(query.shape)
    rows_by_length: dict[int, list[int]] = {}
    for row, length in enumerate(_key_lengths(attention_mask, batch, width)):
        rows_by_length.setdefault(length, []).append(row)
    # Texts of one length go through one call: SDPA computes each (text, head) on its own,
    # so grouping changes no bits (the invariance test covers it) and saves calls on tweets.
    for length, rows in rows_by_length.items():
        index = torch.tensor(rows)
        out[index, :, :length] = F.scaled_dot_product_attention(
            query[index, :, :length].contiguous(),
            key[index, :, :length].contiguous(),
            value[index, :, :length].contiguous(),
            scale=scaling,
        )
    return out.transpose(1, 2).contiguous(), None


class RowwiseLinear(torch.nn.Module):
    """A Linear applied to one row at a time: a matrix product over a batch may sum in
    another order than over one row; the head is small enough that the loop costs nothing."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        self.linear = linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1])
        out = torch.cat([self.linear(rows[i : i + 1]) for i in range(rows.shape[0])])
        return out.reshape(*x.shape[:-1], out.shape[-1])


def make_batch_invariant(model: Any) -> Any:
    """Switch a transformers encoder classifier to per-text attention and a row-wise head.

    Call after `quantization.quantize_int8` (whose layers are exact per row); in place.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(ATTENTION_NAME, per_text_attention)
    # the padding mask it reads is SDPA's (True where a token is real); None without padding
    AttentionMaskInterface.register(ATTENTION_NAME, sdpa_mask)
    model.set_attn_implementation(ATTENTION_NAME)
    modules = dict(model.named_modules())
    for name, module in list(modules.items()):
        if isinstance(module, torch.nn.Linear) and ".encoder." not in f".{name}":
            parent_name, _, child = name.rpartition(".")
            setattr(modules[parent_name] if parent_name else model, child, RowwiseLinear(module))
    return model
