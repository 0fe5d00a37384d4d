"""Every interface a person uses: the `polydub` command line, the HTTP API and the web page.

`api` talks to `pipeline` only; it never imports the leaves (translate, tts, lipsync).
"""
