"""kechuang (科创): the regional science-and-technology innovation platform."""

__version__ = "0.1.0"
