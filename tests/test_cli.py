import contextlib
import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from PIL import Image

from mnist_adder_utils.checkpoint import load_checkpoint, save_checkpoint
from mnist_adder_utils.cli import EXIT_ERROR, main
from mnist_adder_utils.data import load_mnist
from mnist_adder_utils.model import MNISTadder


def run_cli(*args):
    """The command line, run in this process (importing torch once, not once a call): exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        formatwarning = warnings.formatwarning
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit:  # argparse's errors and --help
            code = exit.code
        finally:
            warnings.formatwarning = formatwarning  # main sets its one-line warnings for the process
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_cli_process(*args):
    """The command line as a user runs it, in a fresh process."""
    command = [sys.executable, "-m", "mnist_adder_utils", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "untrained.pt"
    torch.manual_seed(0)
    save_checkpoint(path, model=MNISTadder().state_dict(), history={}, epoch=0)
    return path


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["train", "--epochs", "0"], ["--epochs", "at least 1"]),
        (["train", "--batch-size", "many"], ["--batch-size", "whole number"]),
        (["train", "--lr", "-1"], ["--lr", "positive"]),
        (["train", "--weight-decay", "-0.1"], ["--weight-decay", "at least 0"]),
        (["train", "--dropout", "1"], ["--dropout", "not including"]),
        (["train", "--recipe", "magic"], ["--recipe", "invalid choice"]),
        (["predict", "x.pt", "--index", "0", "--number", "12"], ["--number", "0..9", "'12'"]),
        (["predict", "x.pt", "--index", "0"], ["--number"]),
    ],
)
def test_bad_arguments_get_one_line(args, fragments):
    assert_one_line_error(run_cli(*args), *fragments)


def test_missing_checkpoint_gets_one_line(tmp_path):
    assert_one_line_error(run_cli("evaluate", tmp_path / "none.pt"), "no checkpoint at")


def test_pictures_without_a_digit_or_not_pictures_get_one_line(checkpoint, tmp_path):
    Image.new("RGB", (320, 200), (255, 255, 255)).save(tmp_path / "blank.png")
    assert_one_line_error(run_cli("predict", checkpoint, "--image", tmp_path / "blank.png", "--number", 3), "no digit found")
    (tmp_path / "notes.png").write_text("not a picture")
    assert_one_line_error(run_cli("predict", checkpoint, "--image", tmp_path / "notes.png", "--number", 3), "not an image file")
    Image.new("L", (300, 300), 128).save(tmp_path / "cut.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "cut.png").read_bytes()[:60])
    assert_one_line_error(run_cli("predict", checkpoint, "--image", tmp_path / "cut.png", "--number", 3), "damaged image file")


def test_missing_image_and_bad_index_get_one_line(checkpoint, tmp_path, mnist_source):
    assert_one_line_error(run_cli("predict", checkpoint, "--image", tmp_path / "no.png", "--number", 3), "no image file")
    result = run_cli("predict", checkpoint, "--index", 99999, "--number", 3, "--data-root", mnist_source.root)
    assert_one_line_error(result, "--index must be 0..")


def test_missing_data_root_gets_one_line(checkpoint, tmp_path):
    assert_one_line_error(run_cli("evaluate", checkpoint, "--data-root", tmp_path), "is missing", "MNIST/raw")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_cuda_without_gpu_gets_one_line(checkpoint):
    assert_one_line_error(run_cli("evaluate", checkpoint, "--device", "cuda"), "CUDA was asked for")


def test_info_reports_the_device_in_a_fresh_process():
    result = run_cli_process("info")
    assert result.returncode == 0 and "PyTorch" in result.stdout and "Training would use:" in result.stdout


def test_a_bad_argument_gets_one_line_in_a_fresh_process():
    assert_one_line_error(run_cli_process("predict", "x.pt", "--index", "0", "--number", "12"), "--number", "0..9", "'12'")


def test_a_superscript_digit_is_refused_like_any_other_bad_number():
    result = run_cli("predict", "x.pt", "--index", "0", "--number", "²")
    assert_one_line_error(result, "argument --number: expected an integer 0..9, got '²'")
    assert "_digit" not in result.stderr


def test_an_empty_checkpoint_path_gets_one_line(tmp_path, mnist_source):
    result = run_cli("train", "--checkpoint", "", "--data-root", mnist_source.root)
    assert_one_line_error(result, "the checkpoint path '.' names no file")


def test_a_huge_picture_is_refused_in_one_line_with_the_limit(checkpoint, tmp_path):
    # a 20000x20000 PNG, made small on disk: one row of zeros, compressed, repeated
    Image.new("1", (20000, 20000)).save(tmp_path / "huge.png")
    result = run_cli("predict", checkpoint, "--image", tmp_path / "huge.png", "--number", 3)
    assert_one_line_error(result, "huge.png is a picture of more than 50,000,000 pixels: crop or shrink it to the digit")
    Image.new("1", (8000, 8000)).save(tmp_path / "large.png")  # under PIL's own limit, over ours
    result = run_cli("predict", checkpoint, "--image", tmp_path / "large.png", "--number", 3)
    assert_one_line_error(result, "large.png is 8000x8000 pixels, more than the 50,000,000 this reads")


def test_an_all_black_mnist_sized_picture_has_no_digit(checkpoint, tmp_path):
    Image.new("L", (28, 28), 0).save(tmp_path / "black.png")
    assert_one_line_error(run_cli("predict", checkpoint, "--image", tmp_path / "black.png", "--number", 3), "no digit found")


def test_an_unexpected_error_is_one_line_with_where_to_report_it_and_the_traceback_on_debug(monkeypatch):
    import mnist_adder_utils.device as device

    def broken():
        raise KeyError("cuda")

    monkeypatch.setattr(device, "describe_gpu", broken)
    result = run_cli("info")
    assert_one_line_error(result, "error: unexpected KeyError ('cuda'); please report it at", "--debug")
    with pytest.raises(KeyError):
        main(["--debug", "info"])


@pytest.mark.slow  # trains
def test_train_evaluate_predict_end_to_end(tmp_path, mnist_source):
    checkpoint = tmp_path / "run.pt"
    data = ["--data-root", mnist_source.root]
    options = ["--epochs", 1, "--train-limit", 2000, "--dropout", 0.05, "--checkpoint", checkpoint, "--no-progress"]
    result = run_cli("train", *options, *data)
    assert result.returncode == 0, result.stderr
    trained = json.loads(result.stdout.strip().splitlines()[-1])
    assert trained["epochs"] == 1 and trained["digit_accuracy"] > 50
    assert load_checkpoint(checkpoint)["config"]["dropout"] == 0.05

    evaluated = json.loads(run_cli("evaluate", checkpoint, *data).stdout)
    assert evaluated["digit_accuracy"] == trained["digit_accuracy"]
    assert evaluated["sum_accuracy"] == trained["sum_accuracy"]

    image = load_mnist(mnist_source, train=False).data[0]
    Image.fromarray(image.numpy()).save(tmp_path / "digit.png")
    by_file = json.loads(run_cli("predict", checkpoint, "--image", tmp_path / "digit.png", "--number", 4).stdout)
    by_index = json.loads(run_cli("predict", checkpoint, "--index", 0, "--number", 4, *data).stdout)
    assert by_file == by_index and by_file["number"] == 4 and 0 <= by_file["sum"] <= 18


@pytest.mark.slow  # trains
def test_offline_train_uses_the_bundled_sample_and_says_so(offline_home, capsys, monkeypatch):
    monkeypatch.chdir(offline_home)
    code = main(["train", "--epochs", "1", "--train-limit", "512", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0
    assert "bundled sample" in captured.out
    assert (offline_home / "runs" / "original" / "checkpoint.pt").is_file()


@pytest.mark.slow  # trains
def test_interrupted_run_keeps_its_checkpoint_and_resumes(tmp_path, mnist_source, monkeypatch, capsys):
    checkpoint = tmp_path / "run.pt"
    args = ["train", "--epochs", "2", "--train-limit", "512", "--checkpoint", str(checkpoint), "--no-progress",
            "--data-root", str(mnist_source.root)]  # fmt: skip
    import mnist_adder_utils.training as training

    real_run_epoch, calls = training.run_epoch, []

    def interrupted_in_epoch_two(*a, **k):
        calls.append(1)
        if len(calls) == 3:  # epoch 1 trains and tests, then epoch 2's training is cut short
            raise KeyboardInterrupt
        return real_run_epoch(*a, **k)

    monkeypatch.setattr(training, "run_epoch", interrupted_in_epoch_two)
    assert main(args) == 130
    assert "go on with --resume" in capsys.readouterr().err
    monkeypatch.setattr(training, "run_epoch", real_run_epoch)
    assert main([*args, "--resume"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 2


def test_a_checkpoint_of_another_model_gets_one_line(tmp_path, mnist_source):
    other = tmp_path / "other.pt"
    save_checkpoint(other, model=torch.nn.Linear(20, 19).state_dict(), history={}, epoch=1)
    expected = ["holds the weights of another model", "expected a checkpoint written by this package's train"]
    assert_one_line_error(run_cli("evaluate", other, "--data-root", mnist_source.root), *expected)
    assert_one_line_error(run_cli("predict", other, "--index", 0, "--number", 3, "--data-root", mnist_source.root), *expected)


def test_an_unwritable_checkpoint_is_refused_before_training(tmp_path, mnist_source):
    (tmp_path / "a_file").write_text("")
    result = run_cli("train", "--checkpoint", tmp_path / "a_file" / "run.pt", "--data-root", mnist_source.root)
    assert_one_line_error(result, "cannot write the checkpoint", "a_file")
    assert "EPOCH" not in result.stdout


def test_the_command_line_and_the_notebooks_share_one_runs_folder(monkeypatch):
    from mnist_adder_utils.checkpoint import checkpoint_path

    monkeypatch.delenv("MNIST_ADDER_RUNS", raising=False)
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    from_root = checkpoint_path("original").resolve()
    monkeypatch.chdir(repo / "notebooks")
    assert checkpoint_path("original").resolve() == from_root == repo / "runs" / "original" / "checkpoint.pt"


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, mnist_source):
    """A real 1-epoch run of the original recipe: its checkpoint, and the arguments that trained it (less --epochs)."""
    path = tmp_path_factory.mktemp("trained") / "run.pt"
    args = ["train", "--train-limit", "256", "--checkpoint", str(path), "--no-progress", "--data-root", str(mnist_source.root)]
    assert main([*args, "--epochs", "1"]) == 0
    return path, args


def one_line_error(capsys, argv):
    """The command line run in this process: its error, which must be one line on stderr with a non-zero exit."""
    code = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("more_args", "fragments"),
    [
        (["--recipe", "improved"], ["cannot resume", "with --recipe improved", "trained with --recipe original"]),
        (["--batch-size", "64"], ["with --batch-size 64", "trained with --batch-size 128"]),
        (["--train-limit", "512"], ["with --train-limit 512", "trained with --train-limit 256"]),
        (["--epochs", "1"], ["has finished 1 epochs", "nothing to resume", "resume with more epochs (e.g. --epochs 11)"]),
    ],
)
def test_resuming_with_other_settings_or_a_finished_run_is_refused_in_one_line(trained_run, capsys, more_args, fragments):
    path, args = trained_run
    before = path.read_bytes()
    line = one_line_error(capsys, [*args, "--resume", "--epochs", "2", *more_args])  # the last of a flag given twice counts
    assert all(fragment in line for fragment in fragments), line
    assert path.read_bytes() == before  # nothing trained, nothing written over


def test_checkpoints_missing_what_a_command_reads_are_refused_in_one_line(trained_run, tmp_path, capsys):
    path, args = trained_run
    state = torch.load(path, weights_only=True)
    no_epoch, weights_only = tmp_path / "no_epoch.pt", tmp_path / "weights.pt"
    torch.save({key: value for key, value in state.items() if key != "epoch"}, no_epoch)
    torch.save({key: state[key] for key in ("model", "history", "epoch")}, weights_only)
    line = one_line_error(capsys, ["evaluate", str(no_epoch), "--data-root", args[-1]])
    assert "no epoch in it" in line and "expected a checkpoint written by this package's train" in line
    before = weights_only.read_bytes()
    resume = [*args[: args.index("--checkpoint")], "--checkpoint", str(weights_only), "--no-progress", "--data-root", args[-1]]
    line = one_line_error(capsys, [*resume, "--resume", "--epochs", "2"])
    assert "cannot resume" in line and "holds no optimizer or train_loader or rng or config" in line
    assert weights_only.read_bytes() == before


def test_a_checkpoint_carrying_a_pickled_callable_is_refused_without_running_it(tmp_path, capsys):
    ran = tmp_path / "the payload ran"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (ran,))  # what unpickling would call

    evil = tmp_path / "classmate.pt"
    torch.save({"model": MNISTadder().state_dict(), "history": {}, "epoch": 1, "note": Payload()}, evil)
    for argv in (["evaluate", str(evil)], ["predict", str(evil), "--index", "0", "--number", "3"]):
        line = one_line_error(capsys, argv)
        assert f"was refused: it carries a pickled Python object ({os.mkdir.__module__}.mkdir)" in line, line
        assert not ran.exists()


def test_a_one_cycle_run_too_short_to_rise_and_fall_is_refused_in_one_line(mnist_source, tmp_path, capsys):
    # 512 images are 4 batches: torch's OneCycleLR would divide by zero
    args = ["train", "--recipe", "improved", "--epochs", "1", "--train-limit", "512", "--no-progress"]
    assert main([*args, "--checkpoint", str(tmp_path / "run.pt"), "--data-root", str(mnist_source.root)]) == EXIT_ERROR
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == ("error: the one-cycle schedule needs at least 8 batches in all to rise and fall; this run has 4 "
                    "(epochs 1, 4 an epoch): train on more images or for more epochs")  # fmt: skip
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.fixture
def one_epoch_run(tmp_path, mnist_source):
    """A finished 1-epoch run of 512 images (args to train it, to resume it to 2 epochs) and its checkpoint."""
    checkpoint = tmp_path / "run.pt"
    args = ["train", "--epochs", "1", "--train-limit", "512", "--checkpoint", checkpoint, "--no-progress",
            "--data-root", mnist_source.root]  # fmt: skip
    assert run_cli(*args).returncode == 0
    return args, checkpoint


def test_a_second_run_on_the_same_checkpoint_is_refused_while_the_first_runs(one_epoch_run):
    args, checkpoint = one_epoch_run
    before = checkpoint.read_bytes()
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a live process holds the lock
    try:
        Path(f"{checkpoint}.lock").write_text(str(writer.pid))
        result = run_cli(*args)
        assert_one_line_error(result, f"another run (process {writer.pid}) is writing {checkpoint}", "delete")
    finally:
        writer.kill()
        writer.wait()
    assert checkpoint.read_bytes() == before  # nothing written
    assert run_cli(*args).returncode == 0  # its process gone, the lock is taken over
    assert not Path(f"{checkpoint}.lock").exists() and not list(checkpoint.parent.glob("*.partial"))


def test_a_run_on_full_mnist_does_not_resume_on_other_data(one_epoch_run, tmp_path):
    args, checkpoint = one_epoch_run
    state = load_checkpoint(checkpoint)
    state["config"]["training_images"] = 60_000 if state["config"]["training_images"] != 60_000 else 6_000
    save_checkpoint(checkpoint, **state)
    result = run_cli(*[arg if arg != "1" else "2" for arg in args], "--resume")
    assert_one_line_error(result, "cannot resume", "it was trained on", "training images, and this run would read")


@pytest.mark.slow  # trains
@pytest.mark.parametrize(
    ("part", "damage"),
    [
        ("random states", lambda state: state["rng"].update(torch=torch.zeros(3, dtype=torch.uint8))),
        ("data loader's state", lambda state: state["train_loader"].pop("generator")),
        ("optimizer state", lambda state: state["optimizer"].update(param_groups=[])),
    ],
)
def test_a_checkpoint_with_malformed_state_is_refused_on_resume_in_one_line(one_epoch_run, part, damage):
    args, checkpoint = one_epoch_run
    state = load_checkpoint(checkpoint)
    damage(state)
    save_checkpoint(checkpoint, **state)
    before = checkpoint.read_bytes()
    result = run_cli(*[arg if arg != "1" else "2" for arg in args], "--resume")
    assert_one_line_error(result, f"cannot resume: the checkpoint's {part} is malformed")
    assert checkpoint.read_bytes() == before


def test_help_and_bad_arguments_answer_without_loading_torch():
    # torch takes seconds to import: the package's names and the parser's choices load it only when a command runs
    probe = (
        "import sys\n"
        "from mnist_adder_utils.cli import main\n"
        "for argv in (['--help'], ['train', '--help'], ['train', '--recipe', 'x'], ['train', '--epochs', '0']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stdout + result.stderr
    assert "usage: python -m mnist_adder_utils" in result.stdout


def test_the_parser_offers_every_recipe_and_device():
    from mnist_adder_utils.cli import DEVICE_NAMES, RECIPE_NAMES
    from mnist_adder_utils.device import DEVICE_CHOICES
    from mnist_adder_utils.recipes import RECIPES

    assert tuple(RECIPES) == RECIPE_NAMES and DEVICE_CHOICES == DEVICE_NAMES
