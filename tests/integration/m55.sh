# The MCU runtime cross-compiled for the Cortex-M55 and run on QEMU's mps3-an547 gives
# the same results as the host build (tests/m55/run.sh; also `make m55-test`).
. tests/lib/common.sh
bash tests/m55/run.sh "$T/m55"
