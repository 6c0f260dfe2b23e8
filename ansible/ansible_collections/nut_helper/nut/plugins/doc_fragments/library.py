# -*- coding: utf-8 -*-
# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

"""What every module of the collection shares in its documentation: who wrote it and what it needs."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
author:
  - nut-helper contributors (!UNKNOWN)
requirements:
  - The nut-helper Python library (Python 3.11 or later) in the Python that runs modules on the managed host.
"""
