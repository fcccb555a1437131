"""A trainer whose weights are a file holding one word, which the trained model prefixes to tokens."""
import tempfile

from cog import BaseModel, Input, Path


class TrainingOutput(BaseModel):
    weights: Path


def train(word: str = Input(default="trained", description="The word the weights hold")) -> TrainingOutput:
    out = Path(tempfile.mkdtemp()) / "weights.txt"
    out.write_text(word + "-")
    print(f"trained on {word}")
    return TrainingOutput(weights=out)
