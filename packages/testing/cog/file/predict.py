"""Returns a file: `size` bytes of a repeated pattern, or a copy of the input file."""
import hashlib
import tempfile

from cog import BasePredictor, Input, Path


class Predictor(BasePredictor):
    def predict(
        self,
        text: str = Input(default="hello file", description="What the output file holds"),
        size: int = Input(default=0, ge=0, le=64 * 1024 * 1024, description="Bytes of output instead"),
        source: Path = Input(default=None, description="A file to copy to the output"),
    ) -> Path:
        out = Path(tempfile.mkdtemp()) / "out.txt"
        if source is not None:
            data = Path(source).read_bytes()
            print(f"input sha256 {hashlib.sha256(data).hexdigest()} size {len(data)}")
            out = out.with_suffix(Path(source).suffix or ".bin")
            out.write_bytes(data)
        elif size > 0:
            pattern = b"gantry-file-output\n"
            out.write_bytes((pattern * (size // len(pattern) + 1))[:size])
        else:
            out.write_text(text)
        return out
