"""Notebook 8's pieces: the exact sum of two digit distributions, the pairs, the model."""

import pytest
import torch

from mnist_adder_utils import sums_only
from mnist_adder_utils.analysis import confusion_matrix
from mnist_adder_utils.checkpoint import load_checkpoint
from mnist_adder_utils.data import load_mnist
from mnist_adder_utils.places import RUNS_ENV_VAR
from mnist_adder_utils.sums_only import (
    SumPairLoader,
    SumsOnlyModel,
    digit_names,
    disjoint_pairs,
    exact_sum,
    sum_loss,
    sum_pair_loaders,
    train_sums_only,
)


def random_log_probs(count, generator):
    return torch.randn(count, 10, generator=generator).mul(3).log_softmax(dim=-1)


def test_the_exact_sum_is_a_distribution_that_matches_brute_force():
    generator = torch.Generator().manual_seed(0)
    log_a, log_b = random_log_probs(6, generator), random_log_probs(6, generator)
    sums = exact_sum(log_a, log_b).exp()
    assert sums.shape == (6, 19) and torch.allclose(sums.sum(dim=1), torch.ones(6))
    brute_force = torch.zeros(6, 19, dtype=torch.float64)
    for a in range(10):
        for b in range(10):
            brute_force[:, a + b] += log_a[:, a].double().exp() * log_b[:, b].double().exp()
    assert torch.allclose(sums.double(), brute_force, atol=1e-6)


def test_certain_digits_give_a_certain_sum():
    log_a = torch.full((1, 10), -1e4).index_fill(1, torch.tensor([7]), 0.0)
    log_b = torch.full((1, 10), -1e4).index_fill(1, torch.tensor([5]), 0.0)
    assert exact_sum(log_a, log_b).argmax().item() == 12
    assert torch.isfinite(exact_sum(log_a, log_b)).all()  # no log(0): the impossible sums are very negative, not -inf


def test_the_sum_loss_teaches_both_images_through_the_one_cnn():
    for head in ("exact", "mlp"):
        torch.manual_seed(0)
        model = SumsOnlyModel(head)
        pair = torch.randn(4, 2, 28, 28)
        digit_log_probs, sum_scores = model(pair, pair.new_empty(4, 0))
        assert digit_log_probs.shape == (4, 10) and sum_scores.shape == (4, 19)
        no_digit_term, loss = sum_loss(digit_log_probs, torch.zeros(4, dtype=torch.long), sum_scores, torch.tensor([0, 5, 9, 18]))
        assert no_digit_term.item() == 0
        loss.backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.mnist.parameters()), head


def test_each_image_is_used_once_in_the_pairs():
    pairs = disjoint_pairs(60_000, seed=1)
    assert pairs.shape == (30_000, 2) and len(torch.unique(pairs)) == 60_000
    assert not torch.equal(pairs, disjoint_pairs(60_000, seed=2))


def test_the_loader_gives_pairs_and_their_sums_only_as_labels():
    images = torch.arange(10, dtype=torch.uint8)[:, None, None].expand(10, 28, 28) * 20
    labels = torch.arange(10)
    loader = SumPairLoader(images, labels, disjoint_pairs(10, seed=0), batch_size=3, seed=0, shuffle=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 2
    pair, unused, first_digit, total = batches[0]
    assert pair.shape == (3, 2, 28, 28) and unused.shape == (3, 0)
    second_digit = total - first_digit
    # each image's pixels say which image it is, so the pair's sum can be checked from them
    assert torch.allclose(pair[:, 1, 0, 0], ((second_digit * 20) / 255 - 0.1307) / 0.3081)
    firsts, seconds = torch.cat([b[2] for b in batches]), torch.cat([b[3] - b[2] for b in batches])
    assert sorted(firsts.tolist() + seconds.tolist()) == list(range(10))  # every image once


def test_an_unknown_head_is_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown head 'sum'"):
        SumsOnlyModel("sum")


def test_digit_names_recover_a_cnn_that_calls_each_digit_by_another_name():
    generator = torch.Generator().manual_seed(0)
    digits = torch.randint(0, 10, (2000,), generator=generator)
    names = torch.randperm(10, generator=generator)  # output k stands for digit names[k]
    outputs = torch.argsort(names)[digits]
    noisy = torch.rand(2000, generator=generator) < 0.2
    outputs[noisy] = torch.randint(0, 10, (int(noisy.sum()),), generator=generator)  # 20% misread at random
    assert torch.equal(digit_names(confusion_matrix(digits, outputs, 10)), names)
    assert torch.equal(digit_names(torch.eye(10, dtype=torch.long)), torch.arange(10))


def test_a_validation_split_pairs_the_last_training_images_and_trains_on_the_rest(mnist_source):
    training_images = load_mnist(mnist_source, train=True).data
    train, held = sum_pair_loaders(mnist_source, validation=1000)
    assert torch.equal(held.images, training_images[-1000:]) and torch.equal(train.images, training_images[:-1000])
    assert len(held.pairs) == 500 and len(torch.unique(held.pairs)) == 1000
    with pytest.raises(ValueError, match=r"validation must hold 1\.\."):
        sum_pair_loaders(mnist_source, validation=len(training_images))


@pytest.mark.slow  # trains
@pytest.mark.parametrize("head", ["exact", "mlp"])
def test_training_uses_the_chosen_dropout_no_float64_and_no_checkpoint_unless_asked(
    head, mnist_source, tmp_path, monkeypatch, dtype_recorder
):
    monkeypatch.setenv(RUNS_ENV_VAR, str(tmp_path))  # where a default checkpoint would land
    with dtype_recorder as recorded:  # Apple GPUs (MPS) have no float64
        model, history = train_sums_only(head, epochs=1, train_limit=2048, data_root=str(mnist_source.root),
                                         progress=False, log=lambda line: None)  # fmt: skip
    assert torch.float32 in recorded.dtypes and torch.float64 not in recorded.dtypes
    assert {layer.p for layer in model.modules() if isinstance(layer, torch.nn.Dropout)} == {sums_only.SUMS_ONLY_DROPOUT}
    assert len(history["test"]["sum_accuracy"]) == 1 and not list(tmp_path.rglob("*.pt"))


@pytest.mark.slow  # trains
def test_a_checkpoint_asked_for_by_path_loads_under_the_safe_loader(mnist_source, tmp_path):
    path = tmp_path / "sums.pt"  # a Path, not text: the config the checkpoint stores must still be plain values
    train_sums_only(epochs=1, train_limit=2048, data_root=mnist_source.root, checkpoint=path, progress=False, log=print)
    assert load_checkpoint(path)["config"]["checkpoint"] == str(path)
