"""`python -m gradcli` is the `gradcli` command."""
from .cli import main

if __name__ == "__main__":
    main()
