import torch

from mnist_adder_utils.model import Dropout, MNISTadder, count_parameters, print_summary

# The design notes' layer table (kept with the project, not in this repository; notebook 0 summarises the notes):
# type, output shape, parameters.
DESIGN_TABLE = """
Conv2d-1 [-1, 10, 26, 26] 90
BatchNorm2d-2 [-1, 10, 26, 26] 20
ReLU-3 [-1, 10, 26, 26] 0
Dropout-4 [-1, 10, 26, 26] 0
Conv2d-5 [-1, 10, 24, 24] 900
BatchNorm2d-6 [-1, 10, 24, 24] 20
ReLU-7 [-1, 10, 24, 24] 0
Dropout-8 [-1, 10, 24, 24] 0
Conv2d-9 [-1, 15, 22, 22] 1,350
BatchNorm2d-10 [-1, 15, 22, 22] 30
ReLU-11 [-1, 15, 22, 22] 0
MaxPool2d-12 [-1, 15, 11, 11] 0
Conv2d-13 [-1, 10, 1, 1] 18,150
MNISt-14 [[-1, 10], [-1, 10]] 0
Linear-15 [-1, 32] 672
BatchNorm1d-16 [-1, 32] 64
ReLU-17 [-1, 32] 0
Dropout-18 [-1, 32] 0
Linear-19 [-1, 64] 2,112
BatchNorm1d-20 [-1, 64] 128
ReLU-21 [-1, 64] 0
Dropout-22 [-1, 64] 0
Linear-23 [-1, 128] 8,320
BatchNorm1d-24 [-1, 128] 256
ReLU-25 [-1, 128] 0
Dropout-26 [-1, 128] 0
Linear-27 [-1, 19] 2,451
""".strip().splitlines()


def test_parameter_count_matches_the_design():
    model = MNISTadder()
    assert count_parameters(model) == 34_563
    assert count_parameters(model.mnist) == 20_560


def test_summary_prints_the_design_table(capsys):
    print_summary(MNISTadder())
    rows = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    table = [row for row in rows if row and row.split()[0].rsplit("-", 1)[-1].isdigit()]
    assert table == DESIGN_TABLE
    assert "Total params: 34,563" in rows


def test_summary_leaves_the_model_untouched():
    model = MNISTadder()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    print_summary(model)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_outputs_are_digit_log_probs_and_sum_logits():
    torch.manual_seed(0)
    model = MNISTadder().eval()
    image, number = torch.randn(5, 1, 28, 28), torch.eye(10)[:5]
    digit_log_probs, sum_logits = model(image, number)
    assert digit_log_probs.shape == (5, 10) and sum_logits.shape == (5, 19)
    assert torch.allclose(digit_log_probs.exp().sum(dim=1), torch.ones(5))


def test_the_adder_reads_the_cnns_probabilities_then_the_one_hot_number():
    model, seen = MNISTadder().eval(), []
    model.adder[0].register_forward_hook(lambda layer, inputs, output: seen.append(inputs[0]))
    number_onehot = torch.eye(10)[[3, 0, 9]]
    digit_log_probs, _ = model(torch.randn(3, 1, 28, 28), number_onehot)
    (adder_input,) = seen
    assert adder_input.shape == (3, 20)
    assert torch.allclose(adder_input[:, :10], digit_log_probs.exp())  # probabilities (each row sums to 1), not logs
    assert torch.equal(adder_input[:, 10:], number_onehot)


def test_dropout_zeroes_p_and_keeps_the_mean():
    torch.manual_seed(0)
    dropout, x = Dropout(0.1), torch.ones(400_000)
    y = dropout(x)
    assert abs((y == 0).double().mean().item() - 0.1) < 0.003
    assert abs(y.mean().item() - 1.0) < 0.01
    assert torch.equal(dropout.eval()(x), x)


def test_dropout_is_torchs_own_off_the_cpu(monkeypatch):
    # a GPU gains nothing from the CPU's cheaper mask: there (here the meta device stands in) nn.Dropout runs
    calls = []
    monkeypatch.setattr(torch.nn.functional, "dropout", lambda x, p, training, inplace: calls.append((p, training)) or x)
    Dropout(0.05)(torch.ones(8, device="meta"))
    assert calls == [(0.05, True)]
    Dropout(0.05)(torch.ones(8))
    assert len(calls) == 1, "on the CPU, the cheaper mask"


def test_early_stopping_keeps_the_lowest_loss_and_waits_patience_epochs():
    from mnist_adder_utils.analysis import early_stopping_epoch

    losses = [0.5, 0.3, 0.2, 0.25, 0.21, 0.22, 0.19, 0.3, 0.3, 0.3]
    assert early_stopping_epoch(losses, patience=4) == (10, 7)  # epoch 7 improves; three more are not enough to stop
    assert early_stopping_epoch(losses, patience=3) == (6, 3)
    assert early_stopping_epoch([0.3, 0.2, 0.1]) == (3, 3)
