"""Decimetro: the decision system of the strategic plan of the Città metropolitana di Milano."""

import os

# One thread per process for the numeric libraries (numpy/scipy's OpenBLAS, scikit-learn's OpenMP).
# Decimetro scales with processes (web workers, task workers), each classifying one short text at a time,
# where extra BLAS threads only add start-up and spinning; mixing OpenBLAS and OpenMP thread pools in one
# process is also the known cause of hangs on machines that report more CPUs than they grant. Set before
# numpy is first imported; an operator can still override each variable from the environment.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
