import pathlib
pathlib.Path('HOSTILE-PWNED').write_text('imported')
__import__('os').system('touch HOSTILE-PWNED')

def handler(event, context):
    return eval('1')
