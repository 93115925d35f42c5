"""A stand-in for a third-party package: an integrator's SMS channel and its contract run.

It uses only public names of ``legaldelivery`` and ``legaldelivery.testing``.
"""
