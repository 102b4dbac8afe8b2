/* SPDX-License-Identifier: GPL-2.0 */
#include "../nt_shim.h"
