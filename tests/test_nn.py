"""The NumPy MLP and Adam: hand-written backpropagation checked against finite differences."""

import numpy as np
import pytest

from discrete_softq.continuous import MLP, Adam
from discrete_softq.testing import numerical_gradient


@pytest.fixture(params=["relu", "tanh"])
def setup(request):
    rng = np.random.default_rng(1)
    net = MLP([3, 7, 5, 2], activation=request.param, seed=2)
    x = rng.normal(size=(6, 3))
    w = rng.normal(size=(6, 2))          # loss L = sum(w * y): dL/dy = w
    return net, x, w


def test_parameter_gradients_match_finite_differences(setup):
    """backward's gradient for every weight and bias equals the central-difference gradient."""
    net, x, w = setup
    _, cache = net.forward(x)
    grads, _ = net.backward(cache, w)
    for p, g in zip(net.params, grads):
        num = numerical_gradient(lambda: np.sum(w * net(x)), p)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_input_gradient_matches_finite_differences(setup):
    """backward's dx (what SVGD needs for dQ/da) equals the central-difference gradient."""
    net, x, w = setup
    _, cache = net.forward(x)
    _, dx = net.backward(cache, w)
    num = numerical_gradient(lambda: np.sum(w * net(x)), x)
    np.testing.assert_allclose(dx, num, rtol=1e-5, atol=1e-7)


def test_leading_batch_axes_are_kept():
    """Inputs of shape (B, K, n_in) give outputs (B, K, n_out) and dx of the input's shape."""
    net = MLP([4, 8, 2], seed=0)
    x = np.random.default_rng(0).normal(size=(3, 5, 4))
    y, cache = net.forward(x)
    _, dx = net.backward(cache, np.ones_like(y))
    assert y.shape == (3, 5, 2) and dx.shape == x.shape
    np.testing.assert_allclose(y[1], net(x[1]))


def test_same_seed_same_network():
    """Initialisation is a function of the seed."""
    a, b = MLP([2, 5, 1], seed=3), MLP([2, 5, 1], seed=3)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


def test_copy_is_independent_and_load_params_copies():
    """copy() gives equal but separate arrays; load_params(other) makes them equal again."""
    net = MLP([2, 4, 1], seed=0)
    target = net.copy()
    net.params[0] += 1.0
    assert not np.allclose(net.params[0], target.params[0])
    target.load_params(net)
    np.testing.assert_array_equal(net.params[0], target.params[0])


def test_adam_fits_a_regression():
    """Adam on the squared error drives an MLP to fit y = sin(x) on [-2, 2] (MSE < 0.01)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(128, 1))
    y = np.sin(x)
    net = MLP([1, 32, 32, 1], activation="tanh", seed=0)
    opt = Adam(net.params, lr=1e-2)
    for _ in range(500):
        pred, cache = net.forward(x)
        grads, _ = net.backward(cache, 2 * (pred - y) / len(x))
        opt.step(grads)
    assert np.mean((net(x) - y) ** 2) < 0.01


def test_adam_first_step_has_size_lr():
    """Bias correction makes Adam's first step lr * sign(g) (up to eps) in every coordinate."""
    p = [np.array([1.0, -2.0, 3.0])]
    Adam(p, lr=0.1).step([np.array([5.0, -0.01, 2.0])])
    np.testing.assert_allclose(p[0], [0.9, -1.9, 2.9], atol=1e-6)


@pytest.mark.parametrize("kwargs, name", [({"sizes": [3]}, "sizes"), ({"sizes": [3, 0]}, "sizes"),
                                          ({"sizes": [3, 2], "activation": "sigmoid"}, "activation")])
def test_bad_mlp_arguments_raise(kwargs, name):
    """Bad sizes or activation raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=name):
        MLP(**kwargs)


def test_wrong_input_width_raises():
    """An input whose last axis is not sizes[0] raises ValueError naming ``x``."""
    with pytest.raises(ValueError, match="x"):
        MLP([3, 2], seed=0).forward(np.ones((4, 2)))


def test_bad_adam_lr_raises():
    """A non-positive learning rate raises ValueError naming ``lr``."""
    with pytest.raises(ValueError, match="lr"):
        Adam([np.zeros(2)], lr=0.0)


def test_input_gradient_equals_backward_dx(setup):
    """input_gradient (no parameter gradients) returns exactly backward's dx."""
    net, x, w = setup
    _, cache = net.forward(x)
    np.testing.assert_allclose(net.input_gradient(cache, w), net.backward(cache, w)[1])
