from tui.cli import main

if __name__ == "__main__":  # worker processes (tui.parse_pool) import this module too
    raise SystemExit(main())
