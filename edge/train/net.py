"""The engine network: an STSTNet-sized trunk with spotting, emotion and AU heads.

Only TensorRT-supported ONNX ops appear after export (Conv, Relu,
MaxPool, AveragePool, Flatten, Gemm, Sigmoid, Softmax; BatchNorm folds into
Conv), and the batch axis stays dynamic.
"""

from __future__ import annotations

import torch
from torch import nn

from edge.engine.labels import COMPOSITE_CLASSES, ENGINE_AUS


class GlimpseNet(nn.Module):  # type: ignore[misc]  # torch is checked as an untyped optional dependency
    """Input [N, 3, 28, 28]; outputs spot [N] (probability), emotion [N, 3] (softmax), au [N, A] (sigmoid)."""

    def __init__(self, width: int = 16, hidden: int = 64) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=3, padding=1),  # 28 -> 10, as in STSTNet
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.AvgPool2d(2),  # 10 -> 5
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(2 * width * 25, hidden),
            nn.ReLU(),
        )
        self.spot = nn.Linear(hidden, 1)
        self.emotion = nn.Linear(hidden, len(COMPOSITE_CLASSES))
        self.au = nn.Linear(hidden, len(ENGINE_AUS))

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        return self.spot(h).squeeze(1), self.emotion(h), self.au(h)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        spot, emotion, au = self.logits(x)
        return torch.sigmoid(spot), torch.softmax(emotion, dim=1), torch.sigmoid(au)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
