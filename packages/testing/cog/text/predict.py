"""Streams tokens; a trained version prefixes them with the word its weights hold."""
import time
import urllib.request
from typing import Optional

from cog import BasePredictor, ConcatenateIterator, Input, Path


class Predictor(BasePredictor):
    def setup(self, weights: Optional[Path] = None) -> None:
        # Cog hands `COG_WEIGHTS` (a URL) over as it is: read it as most trained models do.
        self.prefix = ""
        if weights:
            with urllib.request.urlopen(str(weights)) as resp:  # noqa: S310
                self.prefix = resp.read().decode().strip()
        print(f"setup done (weights: {'yes' if weights else 'no'})")

    def predict(
        self,
        prompt: str = Input(description="Words to echo back"),
        tokens: int = Input(default=3, ge=1, le=50, description="How many tokens"),
        delay: float = Input(default=0.0, ge=0.0, le=30.0, description="Seconds between tokens"),
        fail: bool = Input(default=False, description="Raise after the tokens"),
    ) -> ConcatenateIterator[str]:
        words = prompt.split() or ["word"]
        for i in range(tokens):
            if i > 0 and delay > 0:
                time.sleep(delay)
            word = words[i % len(words)]
            print(f"token {i}")
            yield f"{self.prefix}{word} " if self.prefix else f"{word} "
        if fail:
            raise ValueError("requested failure")
