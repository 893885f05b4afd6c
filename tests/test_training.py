import shutil
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from mnist_adder_utils import checkpoint, training
from mnist_adder_utils.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mnist_adder_utils.data import _unpack_sample, augment_batch
from mnist_adder_utils.fast_loader import fast_loaders
from mnist_adder_utils.model import MNISTadder
from mnist_adder_utils.recipes import TrainConfig, make_optimizer_and_schedule, train
from mnist_adder_utils.trained import load_or_train
from mnist_adder_utils.training import NonFiniteLossError, fit, lr_range_test, total_loss


def test_total_loss_is_nll_on_log_probs_and_cross_entropy_on_logits():
    torch.manual_seed(0)
    digit_logits, sum_logits = torch.randn(8, 10), torch.randn(8, 19)
    digit, total = torch.randint(0, 10, (8,)), torch.randint(0, 19, (8,))
    digit_loss, sum_loss = total_loss(digit_logits.log_softmax(-1), digit, sum_logits, total)
    assert torch.isclose(digit_loss, F.cross_entropy(digit_logits, digit))
    assert torch.isclose(sum_loss, F.nll_loss(sum_logits.log_softmax(-1), total))


@pytest.mark.slow  # trains
def test_brief_real_training_learns_both_tasks(mnist_source, tmp_path):
    config = TrainConfig.for_recipe(
        epochs=2, train_limit=6000, checkpoint=str(tmp_path / "c.pt"), data_root=str(mnist_source.root)
    )
    lines = []
    _, history = train(config, progress=False, log=lines.append)
    assert history["test"]["digit_accuracy"][-1] > 90  # chance: 10%
    assert history["test"]["sum_accuracy"][-1] > 80  # chance: at most 10%
    assert history["test"]["loss"][-1] < history["test"]["loss"][0]
    # without progress bars, one line per epoch still says how it went
    assert lines[-1].startswith("EPOCH: 2  train: Acc1=")
    assert f"test: Acc1={history['test']['digit_accuracy'][-1]:.2f}%" in lines[-1]


def test_improved_recipe_builds_a_one_cycle_schedule_with_weight_decay():
    config = TrainConfig.for_recipe("improved")
    optimizer, scheduler = make_optimizer_and_schedule(MNISTadder(), config, steps_per_epoch=10)
    assert isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR)
    assert optimizer.param_groups[0]["weight_decay"] == 5e-4
    original, _ = make_optimizer_and_schedule(MNISTadder(), TrainConfig.for_recipe("original"), steps_per_epoch=10)
    assert original.param_groups[0]["weight_decay"] == 0


def test_one_cycle_swings_the_momentum_it_is_given():
    config = TrainConfig.for_recipe("improved", momentum=0.8, epochs=1)
    optimizer, scheduler = make_optimizer_and_schedule(MNISTadder(), config, steps_per_epoch=100)
    momenta = []
    for _ in range(100):
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        scheduler.step()
    assert momenta[0] == pytest.approx(0.85) and min(momenta) == pytest.approx(0.75, abs=1e-3)


def test_unknown_recipe_is_refused():
    with pytest.raises(ValueError, match="unknown recipe 'fast': expected one of original, improved"):
        TrainConfig.for_recipe("fast")


def test_augmentation_moves_pixels_but_keeps_shape_and_background():
    torch.manual_seed(0)
    image = torch.full((4, 1, 28, 28), -0.4242)
    image[:, :, 10:18, 12:16] = 2.8
    moved = augment_batch(image)
    assert moved.shape == image.shape and not torch.allclose(moved, image)
    assert torch.allclose(moved[:, :, 0, 0], image[:, :, 0, 0])  # corners stay background


@pytest.mark.slow  # trains
def test_resumed_run_ends_where_an_uninterrupted_one_does(mnist_source, tmp_path):
    def config(name, epochs):
        return TrainConfig.for_recipe(
            epochs=epochs, train_limit=1024, checkpoint=str(tmp_path / name), data_root=str(mnist_source.root)
        )

    whole_model, whole = train(config("whole.pt", 2), progress=False, log=lambda _: None)
    train(config("split.pt", 1), progress=False, log=lambda _: None)
    split_model, split = train(config("split.pt", 2), resume=True, progress=False, log=lambda _: None)
    assert split["test"]["sum_accuracy"] == pytest.approx(whole["test"]["sum_accuracy"])
    for (name, a), b in zip(whole_model.state_dict().items(), split_model.state_dict().values(), strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), name


class GoesNaN(torch.nn.Module):
    """Wraps a model; its outputs become NaN from the ``after``-th forward pass on."""

    def __init__(self, model, after):
        super().__init__()
        self.model, self.after, self.calls = model, after, 0

    def forward(self, image, number):
        self.calls += 1
        digit, total = self.model(image, number)
        return (digit * float("nan"), total) if self.calls > self.after else (digit, total)


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(mnist_source, tmp_path):
    train_loader, test_loader = fast_loaders(mnist_source, 128, seed=1, train_limit=512)
    model = GoesNaN(MNISTadder(), after=len(train_loader) + len(test_loader) + 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    path = tmp_path / "c.pt"
    with pytest.raises(NonFiniteLossError, match="diverged, the last good checkpoint is kept"):
        fit(model, optimizer, train_loader, test_loader, epochs=3, device="cpu", checkpoint_path=path, progress=False,
            log=lambda _: None)  # fmt: skip
    assert load_checkpoint(path)["epoch"] == 1


def test_checkpoint_write_is_atomic_and_bad_files_are_refused(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, model={}, history={}, epoch=1)
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="could not be read as a checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an mnist-adder checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


@pytest.mark.slow  # trains
def test_lr_range_test_leaves_the_model_alone_and_suggests_a_rate(mnist_source):
    train_loader, _ = fast_loaders(mnist_source, 128, seed=1, train_limit=128 * 30)
    model = MNISTadder()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    lrs, losses, suggested = lr_range_test(model, train_loader, "cpu", steps=30)
    assert len(lrs) == len(losses) and lrs == sorted(lrs)
    assert lrs[0] <= suggested <= lrs[-1]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.slow  # trains
@pytest.mark.parametrize("recipe", ["original", "improved"])
def test_training_makes_no_float64_tensor_which_apple_gpus_lack(mnist_source, recipe, dtype_recorder):
    config = TrainConfig.for_recipe(recipe, epochs=1)
    # 8 batches: the shortest one-cycle run allowed
    train_loader, test_loader = fast_loaders(mnist_source, 128, seed=1, train_limit=1024)
    test_loader.images, test_loader.labels, test_loader.numbers = (
        t[:256] for t in (test_loader.images, test_loader.labels, test_loader.numbers)
    )
    model = MNISTadder(config.dropout, config.dropout)
    optimizer, scheduler = make_optimizer_and_schedule(model, config, len(train_loader))
    augment = augment_batch if config.augment else None
    with dtype_recorder as recorded:
        fit(
            model,
            optimizer,
            train_loader,
            test_loader,
            epochs=1,
            device="cpu",
            scheduler=scheduler,
            augment=augment,
            log=lambda _: None,
        )
    assert torch.float32 in recorded.dtypes and torch.float64 not in recorded.dtypes


def test_a_failed_checkpoint_write_removes_its_partial_file_and_keeps_the_previous(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    save_checkpoint(path, model={"w": torch.ones(3)}, history={}, epoch=1)

    def disk_full(state, target):
        Path(target).write_bytes(b"half a checkpoint")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing file data/0")

    monkeypatch.setattr(torch, "save", disk_full)
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(10**9, 10**9 - 12288, 12288))
    with pytest.raises(CheckpointError) as failed:
        save_checkpoint(path, model={}, history={}, epoch=2)
    kept = "the previous checkpoint is kept"
    assert str(failed.value) == f"could not write the checkpoint {path} (the write failed; 12.0 KiB free there); {kept}"
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
    assert load_checkpoint(path)["epoch"] == 1


@pytest.mark.parametrize(
    ("free", "shown"), [(512, "512 bytes"), (12288, "12.0 KiB"), (5 * 2**20, "5.0 MiB"), (63 * 2**30, "63.0 GiB")]
)
def test_free_space_is_shown_in_the_unit_that_shows_it(monkeypatch, free, shown):
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(2**40, 2**40 - free, free))
    assert checkpoint._free_space(".") == shown


def test_an_empty_checkpoint_path_is_refused_in_one_line():
    expected = "^the checkpoint path '.' names no file; name one, e.g. runs/original/checkpoint.pt$"
    with pytest.raises(CheckpointError, match=expected):
        save_checkpoint("", model={}, history={}, epoch=1)


def test_a_garbage_checkpoint_says_why_it_could_not_be_read(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match=r"could not be read as a checkpoint: not a file torch.save wrote \(\w+: .+\)$"):
        load_checkpoint(tmp_path / "junk.pt")


def test_an_unwritable_checkpoint_path_is_refused_before_any_training(mnist_source, tmp_path):
    (tmp_path / "a_file").write_text("")
    config = TrainConfig.for_recipe(epochs=1, checkpoint=str(tmp_path / "a_file" / "c.pt"), data_root=str(mnist_source.root))
    lines = []
    with pytest.raises(CheckpointError, match="cannot write the checkpoint"):
        train(config, progress=False, log=lines.append)
    assert lines == []  # refused before the data was even loaded


@pytest.mark.slow  # trains
def test_a_notebook_opened_alone_on_the_cpu_trains_a_quick_run_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lines = []
    model, history = load_or_train("original", data_root=_unpack_sample(), device="cpu", quick_epochs=1, log=lines.append)
    assert len(history["test"]["digit_accuracy"]) == 1 and not model.training
    assert "No checkpoint at" in lines[0] and "quick 1-epoch run of the original recipe instead of its 25 epochs" in lines[1]
    assert (tmp_path / "runs" / "original-quick" / "checkpoint.pt").is_file()
    assert not (tmp_path / "runs" / "original").exists()  # a quick run never poses as the real one
    lines.clear()
    load_or_train("original", data_root=_unpack_sample(), device="cpu", quick_epochs=1, log=lines.append)
    assert lines[-1].endswith("the quick 1-epoch run of an earlier visit.")  # opened again: not trained again
    save_checkpoint(tmp_path / "runs" / "original" / "checkpoint.pt", model=model.state_dict(), history=history, epoch=25)
    lines.clear()
    load_or_train("original", device="cpu", log=lines.append)
    assert lines == [f"Loaded {tmp_path / 'runs' / 'original' / 'checkpoint.pt'}: the original recipe after 25 epochs."]


@pytest.mark.slow  # trains
def test_train_takes_the_readers_own_model_and_loss(mnist_source, tmp_path):
    class NoAdderDropout(MNISTadder):  # a reader's variant, defined in a notebook
        pass

    calls = []

    def sum_as_regression(digit_log_probs, digit, sum_logits, total):
        calls.append(1)
        expected_sum = (sum_logits.softmax(-1) * torch.arange(19.0)).sum(-1)
        return F.nll_loss(digit_log_probs, digit), F.mse_loss(expected_sum, total.float())

    config = TrainConfig.for_recipe(epochs=1, train_limit=512, checkpoint=str(tmp_path / "c.pt"))
    config.data_root = str(mnist_source.root)
    mine = NoAdderDropout()
    model, history = train(config, progress=False, log=lambda _: None, new_model=lambda config: mine, loss_fn=sum_as_regression)
    assert model is mine and calls and len(history["test"]["sum_loss"]) == 1


@pytest.mark.slow  # trains
def test_an_experiment_trains_briefly_and_writes_no_checkpoint(mnist_source, tmp_path, monkeypatch):
    from mnist_adder_utils.recipes import experiment

    history = experiment(data_root=str(mnist_source.root), train_limit=1024, seed=3)
    assert len(history["test"]["digit_accuracy"]) == 1 and history["test"]["digit_accuracy"][-1] > 20
    assert not (tmp_path / "runs").exists()


def test_resuming_on_a_gpu_restores_the_random_states_and_moves_the_saved_tensors_there(mnist_source, tmp_path, monkeypatch):
    # The meta device stands in for a GPU: its tensors have a device but no data, so the epochs themselves are
    # replaced by a stub; what is checked is what resuming does before them. PyTorch takes random states as CPU
    # tensors only: mapped onto the GPU with the weights, they crash every resume there.
    import mnist_adder_utils.recipes as recipes
    import mnist_adder_utils.training as training

    checkpoint, data_root = str(tmp_path / "c.pt"), str(mnist_source.root)
    config = TrainConfig.for_recipe(epochs=1, train_limit=256, checkpoint=checkpoint, data_root=data_root)
    train(config, progress=False, log=lambda _: None)
    saved = torch.load(tmp_path / "c.pt", weights_only=True)
    seen = {}

    def epoch_on_the_gpu(model, loader, device, *, optimizer=None, **kwargs):
        if optimizer is not None and not seen:
            momentum = [value for state in optimizer.state.values() for value in state.values() if torch.is_tensor(value)]
            seen.update(rng=torch.get_rng_state(), loader=loader.generator.get_state(),
                        devices={tensor.device.type for tensor in [*model.parameters(), *momentum]})  # fmt: skip
        return dict.fromkeys(training.STAT_KEYS, 1.0)

    monkeypatch.setattr(recipes, "choose_device", lambda _: torch.device("meta"))
    monkeypatch.setattr(training, "run_epoch", epoch_on_the_gpu)
    config.epochs = 2
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "for .*: copying from a non-meta parameter")  # no data on meta to copy into
        train(config, resume=True, progress=False, log=lambda _: None)
    assert torch.equal(seen["rng"], saved["rng"]["torch"])
    assert torch.equal(seen["loader"], saved["train_loader"]["generator"])
    assert seen["devices"] == {"meta"}  # the weights and the momentum went to the device


def test_augmentation_on_an_apple_gpu_samples_as_border_padding_does(monkeypatch):
    # MPS rejects grid_sample's "border" padding before torch 2.13: the CPU plays MPS here, rejecting it too
    import mnist_adder_utils.data as data

    torch.manual_seed(0)
    image = torch.randn(16, 1, 28, 28)  # edges that are not background, so any padding shows
    angle, shift = torch.rand(16) - 0.5, torch.rand(16, 2) * 0.3 - 0.15
    theta = torch.stack([torch.stack([angle.cos(), -angle.sin(), shift[:, 0]], 1),
                         torch.stack([angle.sin(), angle.cos(), shift[:, 1]], 1)], 1)  # fmt: skip
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    with_border = F.grid_sample(image, grid, padding_mode="border", align_corners=False)
    assert not torch.allclose(with_border, F.grid_sample(image, grid, padding_mode="zeros", align_corners=False))

    real_grid_sample, modes = F.grid_sample, []

    def grid_sample_as_on_mps(*args, padding_mode="zeros", **kwargs):
        modes.append(padding_mode)
        if padding_mode == "border":
            raise NotImplementedError("grid_sampler_2d: border padding is not supported on MPS")
        return real_grid_sample(*args, padding_mode=padding_mode, **kwargs)

    monkeypatch.setattr(data, "NO_BORDER_PADDING_DEVICES", {"cpu"})
    monkeypatch.setattr(F, "grid_sample", grid_sample_as_on_mps)
    assert torch.allclose(data.sample_with_border_padding(image, grid), with_border, atol=1e-5)
    assert augment_batch(image).shape == image.shape and "border" not in modes


def test_a_recipe_keeps_no_checkpoint_unless_told_where():
    # a measurement or an experiment built from a recipe can never overwrite the reader's saved run
    assert TrainConfig.for_recipe("improved").checkpoint is None
    assert TrainConfig.for_recipe("original", checkpoint=checkpoint.checkpoint_path("original")).checkpoint.endswith(
        "runs/original/checkpoint.pt"
    )


def test_a_checkpoint_of_release_1_2_reads_its_history_under_the_new_names(tmp_path):
    old = {"loss1": [0.5], "loss2": [0.7], "total": [1.2], "acc1": [90.0], "acc2": [80.0]}
    save_checkpoint(tmp_path / "c.pt", model={}, history={"train": old, "test": old, "epoch_seconds": [3.0]}, epoch=1)
    history = load_checkpoint(tmp_path / "c.pt")["history"]
    assert history["test"] == {
        "digit_loss": [0.5],
        "sum_loss": [0.7],
        "loss": [1.2],
        "digit_accuracy": [90.0],
        "sum_accuracy": [80.0],
    }
    assert history["epoch_seconds"] == [3.0]


def test_the_range_test_takes_the_training_step_of_run_epoch(monkeypatch, mnist_source):
    from mnist_adder_utils import training

    steps = []
    real_step = training.training_step
    monkeypatch.setattr(training, "training_step", lambda *args, **kwargs: steps.append(1) or real_step(*args, **kwargs))
    loader, _ = fast_loaders(mnist_source, 64, seed=1, train_limit=256)
    lrs, losses, _ = lr_range_test(MNISTadder(), loader, "cpu", steps=6)
    assert len(steps) == len(lrs) == len(losses) == 6


def test_one_hot_sum_targets_are_refused_in_one_line_rather_than_miscounted():
    model = MNISTadder().eval()
    batch = (torch.zeros(19, 1, 28, 28), torch.zeros(19, 10), torch.zeros(19, dtype=torch.long), torch.eye(19))
    with pytest.raises(ValueError, match=r"^sum targets must be class indices 0\.\.18, one per image; got shape \[19, 19\]"):
        training.forward_batch(model, batch, "cpu")
