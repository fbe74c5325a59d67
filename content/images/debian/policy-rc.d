#!/bin/sh
# A container has no init: packages must not try to start their services while they are installed.
exit 101
