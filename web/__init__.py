"""The Gradio web chat. Only this package (and app.py) imports gradio."""
