"""The thumbnail stage's parts: discover, fetch, decode, render, describe, store."""
